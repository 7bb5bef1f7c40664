// Package metrics exposes tokenwatch's Prometheus metrics at /metrics: how
// long sweeps take, what they claim and record, how deliveries fare, and
// how many pages are in each state. Labels stay few and small: steps,
// channels, results and states, never an address or a token.
package metrics

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/alert"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// Metrics holds the collectors, registered on their own registry.
type Metrics struct {
	reg           *prometheus.Registry
	sweepDuration prometheus.Histogram
	pagesClaimed  prometheus.Counter
	alerts        *prometheus.CounterVec
	deliveries    *prometheus.CounterVec
}

// New returns the metrics, with Go and process collectors.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		sweepDuration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "tokenwatch_sweep_duration_seconds",
			Help: "How long each alert sweep took.", Buckets: prometheus.ExponentialBuckets(0.001, 4, 10)}),
		pagesClaimed: prometheus.NewCounter(prometheus.CounterOpts{Name: "tokenwatch_sweep_pages_claimed_total",
			Help: "Due pages claimed by sweeps."}),
		alerts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tokenwatch_alerts_recorded_total",
			Help: "Alerts recorded (one per recipient), by step."}, []string{"step"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tokenwatch_deliveries_total",
			Help: "Delivery attempts by channel and result (sent, retry, failed)."}, []string{"channel", "result"}),
	}
	m.reg.MustRegister(m.sweepDuration, m.pagesClaimed, m.alerts, m.deliveries,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// ObserveSweep records a sweep's report.
func (m *Metrics) ObserveSweep(rep alert.Report) {
	m.sweepDuration.Observe(rep.Duration.Seconds())
	m.pagesClaimed.Add(float64(rep.Claimed))
	for step, n := range rep.Alerts {
		m.alerts.WithLabelValues(string(step)).Add(float64(n))
	}
}

// Delivered records a delivery attempt (jobs.Observer).
func (m *Metrics) Delivered(channel string, err error, permanent bool) {
	result := "sent"
	switch {
	case permanent:
		result = "failed"
	case err != nil:
		result = "retry"
	}
	m.deliveries.WithLabelValues(channel, result).Inc()
}

// WatchServiceProblems reports, at every scrape, the open service problems
// read from open: tokenwatch_service_problems{network, severity} is 1 for
// each network and severity with an open problem, 0 for the others.
func (m *Metrics) WatchServiceProblems(open func() []store.ServiceProblem) {
	m.reg.MustRegister(serviceProblems{open})
}

type serviceProblems struct{ open func() []store.ServiceProblem }

var serviceProblemsDesc = prometheus.NewDesc("tokenwatch_service_problems",
	"Open service problems (refusals of tokenwatch's own app or configuration) by network and severity.", []string{"network", "severity"}, nil)

func (c serviceProblems) Describe(ch chan<- *prometheus.Desc) { ch <- serviceProblemsDesc }

func (c serviceProblems) Collect(ch chan<- prometheus.Metric) {
	open := map[[2]string]bool{}
	for _, sp := range c.open() {
		open[[2]string{string(sp.Provider), sp.Severity}] = true
	}
	for _, p := range tokenwatch.Providers {
		for _, sev := range []string{"error", "warning"} {
			v := 0.0
			if open[[2]string{string(p), sev}] {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(serviceProblemsDesc, prometheus.GaugeValue, v, string(p), sev)
		}
	}
}

// WatchPages reports, at every scrape, the pages by state that count
// reads (store.PagesByState: never a count of every page; on SQLite,
// through an index and a kept total; on PostgreSQL, from counts its
// triggers keep).
func (m *Metrics) WatchPages(count func(context.Context) (map[tokenwatch.State]int, error)) {
	m.reg.MustRegister(pagesByState{count})
}

type pagesByState struct {
	count func(context.Context) (map[tokenwatch.State]int, error)
}

var pagesDesc = prometheus.NewDesc("tokenwatch_pages", "Pages by state.", []string{"state"}, nil)

func (c pagesByState) Describe(ch chan<- *prometheus.Desc) { ch <- pagesDesc }

func (c pagesByState) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	counts, err := c.count(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(pagesDesc, err)
		return
	}
	for _, s := range tokenwatch.States {
		ch <- prometheus.MustNewConstMetric(pagesDesc, prometheus.GaugeValue, float64(counts[s]), string(s))
	}
}
