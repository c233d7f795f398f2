package web

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"hearingroom/media/sfu"
)

// MetricsHandler exposes the SFU's figures, with Go and process metrics, in
// Prometheus format. Figures are read from stats at scrape time.
func MetricsHandler(stats func() sfu.Stats) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(&sfuCollector{stats: stats})
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}

var (
	descRooms        = prometheus.NewDesc("hearingroom_rooms", "Rooms with at least one participant.", nil, nil)
	descParticipants = prometheus.NewDesc("hearingroom_participants", "Participants in all rooms, hidden ones included.", nil, nil)
	descTracks       = prometheus.NewDesc("hearingroom_tracks", "Published tracks.", nil, nil)
	descDownTracks   = prometheus.NewDesc("hearingroom_down_tracks", "Tracks being sent to subscribers.", nil, nil)
	descPacketsIn    = prometheus.NewDesc("hearingroom_rtp_packets_received_total", "RTP packets received from publishers.", nil, nil)
	descPacketsOut   = prometheus.NewDesc("hearingroom_rtp_packets_forwarded_total", "RTP packets forwarded to subscribers.", nil, nil)
	descBytesOut     = prometheus.NewDesc("hearingroom_rtp_bytes_forwarded_total", "RTP bytes forwarded to subscribers.", nil, nil)
	descNACKs        = prometheus.NewDesc("hearingroom_nacks_received_total", "NACK packets received from subscribers.", nil, nil)
	descPLIs         = prometheus.NewDesc("hearingroom_plis_sent_total", "Keyframe requests sent to publishers.", nil, nil)
)

type sfuCollector struct{ stats func() sfu.Stats }

func (c *sfuCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descRooms, descParticipants, descTracks, descDownTracks,
		descPacketsIn, descPacketsOut, descBytesOut, descNACKs, descPLIs} {
		ch <- d
	}
}

func (c *sfuCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	ch <- prometheus.MustNewConstMetric(descRooms, prometheus.GaugeValue, float64(s.Rooms))
	ch <- prometheus.MustNewConstMetric(descParticipants, prometheus.GaugeValue, float64(s.Participants))
	ch <- prometheus.MustNewConstMetric(descTracks, prometheus.GaugeValue, float64(s.Tracks))
	ch <- prometheus.MustNewConstMetric(descDownTracks, prometheus.GaugeValue, float64(s.DownTracks))
	ch <- prometheus.MustNewConstMetric(descPacketsIn, prometheus.CounterValue, float64(s.PacketsIn))
	ch <- prometheus.MustNewConstMetric(descPacketsOut, prometheus.CounterValue, float64(s.PacketsOut))
	ch <- prometheus.MustNewConstMetric(descBytesOut, prometheus.CounterValue, float64(s.BytesOut))
	ch <- prometheus.MustNewConstMetric(descNACKs, prometheus.CounterValue, float64(s.NACKs))
	ch <- prometheus.MustNewConstMetric(descPLIs, prometheus.CounterValue, float64(s.PLIs))
}
