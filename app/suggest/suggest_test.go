package suggest

import "testing"

func TestNearest(t *testing.T) {
	names := []string{"count", "config", "poison", "kafka.embedded", "kafka.brokers"}
	for _, tt := range []struct {
		give   string
		want   string
		wantOK bool
	}{
		{give: "cuont", want: "count", wantOK: true},
		{give: "cofnig", want: "config", wantOK: true},
		{give: "kafka.embeded", want: "kafka.embedded", wantOK: true},
		{give: "KAFKA.BROKER", want: "kafka.brokers", wantOK: true},
		{give: "x", want: "", wantOK: false},
		{give: "zzzzzzzz", want: "", wantOK: false},
	} {
		got, ok := Nearest(tt.give, names)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("Nearest(%q) = %q, %v; want %q, %v", tt.give, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{{"", "", 0}, {"abc", "", 3}, {"kitten", "sitting", 3}, {"cuont", "count", 1}, {"flaw", "lawn", 2}} {
		if got := distance(tt.a, tt.b); got != tt.want {
			t.Errorf("distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
