package web

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"

	"hearingroom/petitions"
)

// maxBody bounds a JSON request body.
const maxBody = 1 << 20

// statusOf maps the ledger's error codes to HTTP statuses.
var statusOf = map[string]int{
	petitions.EINVALID:      http.StatusBadRequest,
	petitions.EUNAUTHORIZED: http.StatusUnauthorized,
	petitions.EFORBIDDEN:    http.StatusForbidden,
	petitions.ENOTFOUND:     http.StatusNotFound,
	petitions.ECONFLICT:     http.StatusConflict,
	petitions.EDEADLINE:     http.StatusUnprocessableEntity,
	petitions.EUNAVAILABLE:  http.StatusServiceUnavailable,
	petitions.EINTERNAL:     http.StatusInternalServerError,
}

// apiError is the body of every failed API request.
type apiError struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
	Allowed []string          `json:"allowed,omitempty"`
}

// writeError answers with err as {code, message, fields, allowed}. Internal
// errors are logged with their cause and shown without it.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	code := petitions.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	body := apiError{Code: code, Message: petitions.ErrorMessage(err)}
	var pe *petitions.Error
	if errors.As(err, &pe) {
		body.Fields, body.Allowed = pe.Fields, pe.Allowed
	}
	if status == http.StatusInternalServerError {
		log.Error("web: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		body.Message = "The server failed; the error is logged."
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// decodeJSON reads one JSON object of at most maxBody bytes into v, refusing
// unknown fields; every failure is EINVALID.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return petitions.Errorf(petitions.EINVALID, "The request body is not the JSON object expected: %v.", err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return petitions.Errorf(petitions.EINVALID, "The request body holds more than one JSON value.")
	}
	return nil
}
