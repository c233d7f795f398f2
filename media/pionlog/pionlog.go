// Package pionlog routes pion's logs into log/slog, so the server's and the
// clients' pion components log like the rest of hearingroom.
package pionlog

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/pion/logging"
)

// Factory returns a pion LoggerFactory that writes to log, each logger with
// its scope, one level down: pion warns of routine things (no candidate pair
// yet, a stream closed at shutdown), so its errors become warnings, its
// warnings info, and so on.
func Factory(log *slog.Logger) logging.LoggerFactory { return pionLogs{log: log} }

type pionLogs struct{ log *slog.Logger }

func (f pionLogs) NewLogger(scope string) logging.LeveledLogger {
	return pionLogger{log: f.log.With("pion", scope)}
}

type pionLogger struct{ log *slog.Logger }

func (l pionLogger) logf(level slog.Level, format string, args ...any) {
	if l.log.Enabled(context.Background(), level) {
		l.log.Log(context.Background(), level, fmt.Sprintf(format, args...))
	}
}

const (
	pionTrace = slog.LevelDebug - 8
	pionDebug = slog.LevelDebug - 4
	pionInfo  = slog.LevelDebug
	pionWarn  = slog.LevelInfo
	pionError = slog.LevelWarn
)

func (l pionLogger) Trace(msg string)                  { l.logf(pionTrace, "%s", msg) }
func (l pionLogger) Tracef(format string, args ...any) { l.logf(pionTrace, format, args...) }
func (l pionLogger) Debug(msg string)                  { l.logf(pionDebug, "%s", msg) }
func (l pionLogger) Debugf(format string, args ...any) { l.logf(pionDebug, format, args...) }
func (l pionLogger) Info(msg string)                   { l.logf(pionInfo, "%s", msg) }
func (l pionLogger) Infof(format string, args ...any)  { l.logf(pionInfo, format, args...) }
func (l pionLogger) Warn(msg string)                   { l.logf(pionWarn, "%s", msg) }
func (l pionLogger) Warnf(format string, args ...any)  { l.logf(pionWarn, format, args...) }
func (l pionLogger) Error(msg string)                  { l.logf(pionError, "%s", msg) }
func (l pionLogger) Errorf(format string, args ...any) { l.logf(pionError, format, args...) }
