package intake

import (
	"net/http"

	"github.com/go-json-experiment/json"
)

// problem is an RFC 9457 problem detail, with the problems found listed in
// the errors extension member.
type problem struct {
	Type       string   `json:"type"`
	Title      string   `json:"title"`
	Status     int      `json:"status"`
	Detail     string   `json:"detail,omitempty"`
	Errors     []string `json:"errors,omitempty"`
	retryAfter string
}

func (p problem) answer() answer {
	if p.Type == "" {
		p.Type = "about:blank"
	}
	body, _ := json.Marshal(p)
	return answer{status: p.Status, contentType: "application/problem+json", retryAfter: p.retryAfter, body: append(body, '\n')}
}

func writeProblem(w http.ResponseWriter, p problem) { p.answer().write(w) }
