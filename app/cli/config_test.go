package cli

import (
	"bytes"
	"context"
	"reflect"
	"testing"

	"github.com/orderflow/orderflow/app/config"
)

// What config prints is the configuration in effect, environment included,
// and reads back as the same configuration.
func TestConfigPrintsWhatIsInEffect(t *testing.T) {
	t.Chdir(t.TempDir()) // no config.yaml here
	t.Setenv("ORDERFLOW_RETRY_MAX_ATTEMPTS", "7")
	t.Setenv("ORDERFLOW_FAULTS_FAIL_FAILURES", "7")
	t.Setenv("ORDERFLOW_FAULTS_ERROR_RATE_SHIPPING", "0.25")
	var out bytes.Buffer
	if err := run(context.Background(), IO{Out: &out, Err: &out}, "config"); err != nil {
		t.Fatal(err)
	}
	got, err := config.Parse(out.Bytes(), nil)
	if err != nil {
		t.Fatalf("printed config does not read back: %v\n%s", err, out.String())
	}
	want := config.Default()
	want.Retry.MaxAttempts, want.Faults.FailFailures = 7, 7
	want.Faults.ErrorRate = config.ErrorRate{"shipping": 0.25}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("printed %+v\nwant %+v", got, want)
	}
}
