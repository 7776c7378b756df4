package console

import (
	"context"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/orderflow/orderflow/app/messaging/deadletter"
)

// replayShown bounds the letters a replay page lists one by one.
const replayShown = 500

// replayPage is a dry run's or a replay's outcome.
type replayPage struct {
	DryRun    bool
	Scope     string // ids: the letters chosen; filter: what a filter selects
	Described string // the selection, as dlq replay's flags
	Hidden    url.Values
	IDs       []string
	Bound     string // the dry run's time: a confirmed filter replays no letter that failed after it
	Would     []deadletter.ReplayResult
	Refused   []deadletter.ReplayResult
	Replayed  []deadletter.ReplayResult
	Counts    struct{ Selected, Would, Refused, Replayed int }
	More      int // results not listed (over replayShown)
	Err       string
}

// replay is POST /console/replay. step=dry-run shows what would be replayed
// and what refused, and why, with a confirmation form; step=replay, with
// the operator token, replays. Both run deadletter.Replay, as dlq replay
// does: one code path, one set of refusals.
func (c *Console) replay(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		c.fail(w, r, http.StatusBadRequest, problem{Heading: "Bad replay request", Detail: err.Error()})
		return
	}
	form := r.PostForm
	f, err := filterOf(form, c.cfg.Now())
	if err != nil {
		c.fail(w, r, http.StatusBadRequest, problem{Heading: "Bad replay request", Detail: err.Error()})
		return
	}
	scope := form.Get("scope")
	switch {
	case scope == "ids" && len(f.IDs) == 0:
		c.fail(w, r, http.StatusBadRequest, problem{Heading: "Nothing chosen", Detail: "Tick the letters to replay first."})
		return
	case scope == "filter":
		f.IDs = nil
	case scope != "ids":
		c.fail(w, r, http.StatusBadRequest, problem{Heading: "Bad replay request", Detail: "scope must be ids or filter."})
		return
	}
	dryRun := form.Get("step") != "replay"
	operator := strings.TrimSpace(form.Get("operator"))
	if len(operator) > 64 {
		operator = operator[:64]
	}
	who := []any{"operator", operator, "remote", r.RemoteAddr, "filter", describe(f)}
	if !dryRun {
		if refused, why := c.refuse(r); refused != "" {
			c.cfg.Logger.Warn("console replay refused", append(who, "why", why)...)
			c.fail(w, r, http.StatusForbidden, problem{Heading: refused, Detail: why})
			return
		}
		if bound, err := time.Parse(time.RFC3339Nano, form.Get("bound")); err == nil && scope == "filter" && (f.Until.IsZero() || bound.Before(f.Until)) {
			f.Until = bound
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), c.cfg.ReplayTimeout)
	defer cancel()
	results, err := deadletter.Replay(ctx, c.cfg.Conn, c.cfg.Config, c.cfg.Registry, f, dryRun)
	page := replayPage{DryRun: dryRun, Scope: scope, Described: describe(f), IDs: f.IDs, Hidden: query(f),
		Bound: c.cfg.Now().UTC().Format(time.RFC3339Nano)}
	page.Hidden.Del("id")
	page.Counts.Selected = len(results)
	for _, res := range results {
		switch {
		case res.Refused != "":
			page.Counts.Refused++
			page.Refused = appendShown(page.Refused, res, &page.More)
		case res.Replayed:
			page.Counts.Replayed++
			page.Replayed = appendShown(page.Replayed, res, &page.More)
		case dryRun:
			page.Counts.Would++
			page.Would = appendShown(page.Would, res, &page.More)
		}
	}
	level := slog.LevelInfo
	if err != nil {
		page.Err = err.Error()
		level = slog.LevelError
	}
	if dryRun {
		level = min(level, slog.LevelDebug)
	}
	attrs := append(who, "dry_run", dryRun, "selected", len(results), "replayed", page.Counts.Replayed, "refused", page.Counts.Refused)
	if err != nil {
		attrs = append(attrs, "err", err)
	}
	c.cfg.Logger.Log(r.Context(), level, "console replay", attrs...)
	code := http.StatusOK
	if err != nil && len(results) == 0 {
		code = http.StatusBadGateway
	}
	title := "Replay: dry run"
	if !dryRun {
		title = "Replay: outcome"
	}
	c.render(w, r, code, "replay", view{Title: title, Nav: "letters", Data: page})
}

func appendShown(list []deadletter.ReplayResult, r deadletter.ReplayResult, more *int) []deadletter.ReplayResult {
	if len(list) >= replayShown {
		*more++
		return list
	}
	r.Letter.Payload = nil
	return append(list, r)
}

// refuse says why r may not replay, headline and detail, or "" if it may.
func (c *Console) refuse(r *http.Request) (string, string) {
	switch {
	case c.ReadOnly():
		return "The console is read-only", "No operator token is configured (ORDERFLOW_CONSOLE_TOKEN or console.token_file), so nothing can be replayed from here; dlq replay still can."
	case !c.authorized(r):
		return "Wrong or missing operator token", "Replay needs the operator token the console was started with."
	}
	return "", ""
}

// HiddenFields is for templates: the form fields that carry a selection.
func (p replayPage) HiddenFields() [][2]string {
	var out [][2]string
	for _, k := range slices.Sorted(maps.Keys(p.Hidden)) {
		for _, v := range p.Hidden[k] {
			out = append(out, [2]string{k, v})
		}
	}
	for _, id := range p.IDs {
		out = append(out, [2]string{"id", id})
	}
	return out
}
