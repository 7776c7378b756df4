// Package console serves the dead-letter console under /console/ on
// http.addr: an overview, triage by cause, a filtered list, each letter in
// full, and replay (dry run, then confirmation with the operator token) on
// deadletter.Replay, the code dlq replay runs. Pages answer from an in-memory
// Index that follows the dead-letter topic; everything from a letter is
// rendered by html/template, and the Content-Security-Policy allows only the
// console's own embedded script and style (docs/console.md).
package console

import (
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/app/schemas"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Prefix is where the console is served.
const Prefix = "/console/"

// Config is what a Console needs.
type Config struct {
	Index  *Index
	Conn   kafkaclient.Conn // for replay, and payloads the index does not keep
	Config config.Config    // topics.dead_letter, replay.max_replays, console
	// Registry re-validates the letters a replay sends; nil: no schema registry.
	Registry *schemas.Registry
	Logger   *slog.Logger
	Now      func() time.Time // nil: time.Now
	PageMax  int              // letters per list page; 0: 50
	// ReplayTimeout bounds a dry run or a replay (deadletter.Replay reads the
	// topic to its end): under http.write_timeout, so that its outcome is
	// still written. 0: 2 minutes.
	ReplayTimeout time.Duration
}

// Console is the console's HTTP handler.
type Console struct {
	cfg   Config
	pages map[string]*template.Template
	mux   http.Handler
}

var _ http.Handler = (*Console)(nil)

// New returns the console on cfg's index.
func New(cfg Config) (*Console, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.PageMax == 0 {
		cfg.PageMax = 50
	}
	if cfg.ReplayTimeout <= 0 {
		cfg.ReplayTimeout = 2 * time.Minute
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	c := &Console{cfg: cfg, pages: pages}
	static, _ := fs.Sub(staticFiles, "static")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /console/{$}", c.overview)
	mux.HandleFunc("GET /console/triage", c.triage)
	mux.HandleFunc("GET /console/letters", c.letters)
	mux.HandleFunc("GET /console/letters/{partition}/{offset}", c.letter)
	mux.HandleFunc("POST /console/replay", c.replay)
	mux.HandleFunc("GET /console/api/state", c.state)
	mux.Handle("GET /console/static/", http.StripPrefix("/console/static/", http.FileServerFS(static)))
	c.mux = secured(mux)
	return c, nil
}

func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) { c.mux.ServeHTTP(w, r) }

// ReadOnly reports whether replay is off: no operator token is configured.
func (c *Console) ReadOnly() bool { return c.cfg.Config.Console.Token == "" }
