package console

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

// contentSecurityPolicy allows the console's own script, style and images
// only: no inline script or handler, nothing from elsewhere, no framing, and
// forms that post only to the console. A letter's payload or header that
// smuggles markup is escaped by html/template; this is the second wall.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// secured sets the security headers on every answer and refuses
// state-changing requests from another origin (Go's CrossOriginProtection:
// Sec-Fetch-Site, else Origin against Host) before they reach h.
func secured(h http.Handler) http.Handler {
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "cross-origin request refused: replay only from the console's own pages", http.StatusForbidden)
	}))
	guarded := csrf.Handler(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", contentSecurityPolicy)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Cache-Control", "no-store")
		guarded.ServeHTTP(w, r)
	})
}

// authorized reports whether r carries the operator token: the form field
// "token", or an Authorization: Bearer header. Both are hashed first, so the
// comparison takes the same time whatever is given, its length included.
func (c *Console) authorized(r *http.Request) bool {
	want := c.cfg.Config.Console.Token.Reveal()
	if want == "" {
		return false
	}
	given := r.PostFormValue("token")
	if b, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && given == "" {
		given = b
	}
	g, w := sha256.Sum256([]byte(given)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}
