package schemas_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/schemas/schemastest"
	"github.com/orderflow/orderflow/events"
)

// gate is a registry in front of an in-memory one that counts the requests
// for each path and holds those whose path has a held prefix until the test
// ends.
type gate struct {
	mu    sync.Mutex
	asked map[string]int
	held  []string
}

func (g *gate) times(path string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.asked[path]
}

// gated starts an in-memory registry holding this build's OrderPlaced and
// PaymentSucceeded schemas, behind a gate that holds paths with the held
// prefixes.
func gated(t *testing.T, held ...string) (*gate, *srfake.Registry, config.Schemas) {
	t.Helper()
	reg, cfg, _ := schemastest.Registry(t, "orders-OrderPlaced", events.TypeOrderPlaced)
	schemastest.Add(t, reg, "payments-PaymentSucceeded", events.TypePaymentSucceeded)
	target, _ := url.Parse(cfg.RegistryURL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	g := &gate{asked: map[string]int{}, held: held}
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		g.asked[r.URL.Path]++
		g.mu.Unlock()
		for _, p := range g.held {
			if strings.HasPrefix(r.URL.Path, p) {
				select {
				case <-release:
				case <-r.Context().Done():
				}
				return
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	cfg.RegistryURL, cfg.Timeout = srv.URL, 5*time.Second
	return g, reg, cfg
}

// A lookup that hangs holds up only its own subject or ID: another
// subject's is answered, and a caller waiting on the hung one returns by
// its own deadline.
func TestCatalogLookupsDoNotWaitOnEachOther(t *testing.T) {
	_, _, cfg := gated(t, "/subjects/orders-OrderPlaced", "/schemas/ids/")
	cat := schemastest.Catalog(t, cfg)
	go cat.Writes(context.Background(), "orders", events.TypeOrderPlaced)  //nolint:errcheck // hangs until the test ends
	go cat.Check(context.Background(), 4242, "orders", "OrderPlaced", nil) //nolint:errcheck // hangs until the test ends
	time.Sleep(50 * time.Millisecond)

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if s, err := cat.Writes(ctx, "payments", events.TypePaymentSucceeded); err != nil || s.Subject != "payments-PaymentSucceeded" {
		t.Errorf("Writes(payments) while another subject's lookup hangs = %v, %v", s, err)
	}
	for name, wait := range map[string]func(context.Context) error{
		"Writes": func(ctx context.Context) error {
			_, err := cat.Writes(ctx, "orders", events.TypeOrderPlaced)
			return err
		},
		"Check": func(ctx context.Context) error {
			_, err := cat.Check(ctx, 4242, "orders", "OrderPlaced", nil)
			return err
		},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		start := time.Now()
		err := wait(ctx)
		cancel()
		if took := time.Since(start); !errors.Is(err, context.DeadlineExceeded) || events.IsPermanent(err) || took > 500*time.Millisecond {
			t.Errorf("%s on the hung key = %v after %s; want a transient deadline error by 100ms", name, err, took)
		}
	}
}

// An ID the registry does not hold is a transient error (retried, then
// dead-lettered), and asked about once while the answer stands.
func TestCatalogRemembersAbsentIDs(t *testing.T) {
	g, _, cfg := gated(t)
	cat := schemastest.Catalog(t, cfg)
	for range 20 {
		_, err := cat.Check(context.Background(), 9999, "orders", "OrderPlaced", []byte(`{}`))
		if err == nil || events.IsPermanent(err) || !strings.Contains(err.Error(), "schema ID 9999 is not registered") {
			t.Fatalf("Check(9999) = %v, want a transient \"not registered\"", err)
		}
	}
	if n := g.times("/schemas/ids/9999"); n != 1 {
		t.Errorf("the registry was asked about ID 9999 %d times, want 1", n)
	}
}

// A registered schema whose $ref names a local file is refused: the file is
// not read (were it read, this one, a valid schema, would compile).
func TestCatalogReadsNoFileARefNames(t *testing.T) {
	reg, cfg, _ := schemastest.Registry(t, "orders-OrderPlaced", events.TypeOrderPlaced)
	file := filepath.Join(t.TempDir(), "schema.json")
	if err := os.WriteFile(file, []byte(`{"type": "object"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	id, _, err := reg.RegisterSchema("orders-Foreign", sr.Schema{Type: sr.TypeJSON,
		Schema: `{"$schema": "http://json-schema.org/draft-07/schema#", "$ref": "file://` + file + `"}`})
	if err != nil {
		t.Fatal(err)
	}
	cat := schemastest.Catalog(t, cfg)
	_, err = cat.Check(context.Background(), id, "orders", "Foreign", []byte(`{}`))
	if err == nil || !events.IsPermanent(err) || !strings.Contains(err.Error(), "refers to nothing outside itself") {
		t.Errorf("Check() of a schema with a file $ref = %v, want a permanent refusal of the $ref", err)
	}
}

// Other producers' schemas are kept up to 256, the oldest dropped first:
// the 257th read drops the first, which is then asked for again, while the
// latest is still answered from the cache.
func TestCatalogKeepsAtMost256ForeignSchemas(t *testing.T) {
	g, reg, cfg := gated(t)
	cat := schemastest.Catalog(t, cfg)
	var ids []int
	for i := range 257 {
		id, _, err := reg.RegisterSchema("orders-Foreign", sr.Schema{Type: sr.TypeJSON, Schema: fmt.Sprintf(`{"title": "v%d"}`, i)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cat.Check(context.Background(), id, "orders", "Foreign", []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	first, last := ids[0], ids[len(ids)-1]
	for _, id := range []int{first, last} {
		if _, err := cat.Check(context.Background(), id, "orders", "Foreign", []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
	}
	if n := g.times(fmt.Sprintf("/schemas/ids/%d", first)); n != 2 {
		t.Errorf("the oldest schema was asked for %d times, want 2 (dropped, then asked again)", n)
	}
	if n := g.times(fmt.Sprintf("/schemas/ids/%d", last)); n != 1 {
		t.Errorf("the latest schema was asked for %d times, want 1 (kept)", n)
	}
}
