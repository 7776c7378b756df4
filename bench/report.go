package main

import (
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
)

// report prints a table per scenario, with each figure's ratio to orderflow's.
func report(w io.Writer, rs []result) {
	var base *result
	for i := range rs {
		if rs[i].Name == "orderflow" {
			base = &rs[i]
		}
	}
	ratio := func(v, b float64) string {
		if base == nil || b == 0 {
			return "—"
		}
		return fmt.Sprintf("%.2f×", v/b)
	}
	fmt.Fprintln(w, "\nMax throughput (pre-filled backlog, orders settled per second)")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "contender\torders/s\tvs orderflow\tsettled\tduplicates\tCPU s/1000\tbroker CPU s/1000\tproduce req/1000\tfetch req/1000\tbytes/record\tpeak RSS MiB\t")
	for _, r := range rs {
		partial := ""
		if r.Partial {
			partial = " (time limit)"
		}
		b := 0.0
		if base != nil {
			b = base.OrdersPerSecond
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%s\t%d%s\t%d\t%.3f\t%s\t%s\t%s\t%s\t%.1f\t\n", r.Title, r.OrdersPerSecond, ratio(r.OrdersPerSecond, b), r.Settled, partial,
			r.Duplicates, r.CPUPer1000, brokerCPU(r.BrokerCPUPer1000), count(r.ProducePer1000), count(r.FetchPer1000), count(r.BytesPerRecord), r.PeakRSSMiB)
	}
	tw.Flush()
	if slices.ContainsFunc(rs, func(r result) bool { return len(r.Drains) > 1 }) {
		fmt.Fprintln(w, "Each drain, in the order run (the table shows the median one's figures): orders/s, CPU s/1000, broker CPU s/1000")
		for _, r := range rs {
			fmt.Fprintf(w, "  %s:", r.Title)
			for _, d := range r.Drains {
				fmt.Fprintf(w, "  %.0f / %.3f / %s", d.OrdersPerSecond, d.CPUPer1000, brokerCPU(d.BrokerCPUPer1000))
			}
			fmt.Fprintln(w)
		}
	}

	if !slices.ContainsFunc(rs, func(r result) bool { return len(r.Latency) > 0 }) {
		return // --rates none
	}
	fmt.Fprintln(w, "\nLatency, order → notification over three hops, open-loop load")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "contender\trate/s\tp50 ms\tp99 ms\tp99.9 ms\treceived/sent\tduplicates\tfailed to send\tsteady RSS MiB\t")
	for _, r := range rs {
		for _, l := range r.Latency {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%d/%d\t%d\t%d\t%.1f\t\n", r.Title, l.Rate, ms(l.P50ms), ms(l.P99ms), ms(l.P999ms), l.Received, l.Sent, l.Duplicates, l.Failed, l.SteadyRSS)
		}
	}
	tw.Flush()
}

// ms prints a latency; 0 means no order came through after the warm-up.
func ms(v float64) string {
	if v == 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f", v)
}

func brokerCPU(v float64) string {
	if v == 0 {
		return "—"
	}
	return fmt.Sprintf("%.3f", v)
}

// count prints a request or byte count; 0 means it was not read.
func count(v float64) string {
	if v == 0 {
		return "—"
	}
	return fmt.Sprintf("%.0f", v)
}
