package console

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/orderflow/orderflow/app/messaging/deadletter"
)

// shownBytes bounds the payload bytes a page shows.
const shownBytes = 64 << 10

// payloadView is a payload as the detail page shows it: Format is json
// (indented), text, hex (a dump), omitted (the letter went without it) or
// unreadable (the index did not keep it and reading it back failed).
type payloadView struct {
	Format string
	Text   string
	Bytes  int
	SHA256 string
	Note   string
}

func viewPayload(d deadletter.Letter, dropped bool, fetchErr error) payloadView {
	if d.PayloadOmitted != "" {
		return payloadView{Format: "omitted", Bytes: d.PayloadBytes, SHA256: d.PayloadSHA256,
			Note: fmt.Sprintf("left out of the letter (%s); the original is at %s/%d offset %d", d.PayloadOmitted, d.Topic, d.Partition, d.Offset)}
	}
	if fetchErr != nil {
		return payloadView{Format: "unreadable", Note: fmt.Sprintf("larger than the console keeps in memory (console.index_payload_bytes); reading it back failed: %v", fetchErr)}
	}
	p := d.Payload
	sum := sha256.Sum256(p)
	v := payloadView{Bytes: len(p), SHA256: hex.EncodeToString(sum[:])}
	if dropped {
		v.Note = "read back from the topic: larger than the console keeps in memory (console.index_payload_bytes)"
	}
	shown := p
	if len(shown) > shownBytes {
		shown = shown[:shownBytes]
		v.Note = fmt.Sprintf("%s; the first %d bytes shown", v.Note, shownBytes)
	}
	var out bytes.Buffer
	switch {
	case len(p) <= shownBytes && json.Valid(p) && json.Indent(&out, p, "", "  ") == nil:
		v.Format, v.Text = "json", out.String()
	case printable(shown):
		v.Format, v.Text = "text", string(shown)
	default:
		v.Format, v.Text = "hex", hex.Dump(shown)
	}
	return v
}

// printable reports whether p is UTF-8 text with no control characters but
// tabs and line ends.
func printable(p []byte) bool {
	if !utf8.Valid(p) {
		return false
	}
	for _, r := range string(p) {
		if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
			return false
		}
	}
	return true
}
