package kafkaclient

import (
	"context"
	"log/slog"

	"github.com/ThreeDotsLabs/watermill"
)

// WatermillLogger adapts log to Watermill, one level quieter: Watermill's info
// lines (subscribing, reconnecting) are debug detail here.
func WatermillLogger(log *slog.Logger) watermill.LoggerAdapter {
	log = log.With("component", "watermill")
	return levelled{
		LoggerAdapter: watermill.NewSlogLoggerWithLevelMapping(log, map[slog.Level]slog.Level{slog.LevelInfo: slog.LevelDebug}),
		log:           log,
	}
}

// levelled drops Watermill's debug and trace lines before their fields are
// built: its adapter builds them first, and the router and publisher write
// several per message (5% of orderflow's CPU in a drain's profile).
type levelled struct {
	watermill.LoggerAdapter
	log *slog.Logger
}

func (l levelled) Info(msg string, fields watermill.LogFields) { // mapped to debug
	if l.log.Enabled(context.Background(), slog.LevelDebug) {
		l.LoggerAdapter.Info(msg, fields)
	}
}

func (l levelled) Debug(msg string, fields watermill.LogFields) {
	if l.log.Enabled(context.Background(), slog.LevelDebug) {
		l.LoggerAdapter.Debug(msg, fields)
	}
}

func (l levelled) Trace(msg string, fields watermill.LogFields) {
	if l.log.Enabled(context.Background(), watermill.LevelTrace) {
		l.LoggerAdapter.Trace(msg, fields)
	}
}

func (l levelled) With(fields watermill.LogFields) watermill.LoggerAdapter {
	return levelled{l.LoggerAdapter.With(fields), l.log}
}

// TraceEnabled tells Watermill's router whether to build its per-message
// trace lines' fields at all.
func (l levelled) TraceEnabled() bool {
	return l.log.Enabled(context.Background(), watermill.LevelTrace)
}
