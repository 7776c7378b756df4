package main

import (
	"slices"
	"testing"
)

func TestParseRate(t *testing.T) {
	for _, tc := range []struct {
		spec    string
		max     float64
		want    int
		wantErr bool
	}{
		{"1000", 50, 1000, false},
		{"25%", 4000, 1000, false},
		{"12.5%", 800, 100, false},
		{"0", 1, 0, true},
		{"-5%", 1, 0, true},
		{"fast", 1, 0, true},
	} {
		got, err := parseRate(tc.spec, tc.max)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("parseRate(%q, %v) = %d, %v; want %d, error %v", tc.spec, tc.max, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestLatencyRatesDropRepeatsAndNothing(t *testing.T) {
	if got := latencyRates([]string{"1000", "25%"}, 4000); !slices.Equal(got, []int{1000}) {
		t.Errorf("1000 and 25%% of 4000 = %v, want [1000]", got)
	}
	if got := latencyRates([]string{"1000", "1%"}, 50); !slices.Equal(got, []int{1000}) {
		t.Errorf("1%% of 50 rounds to nothing: got %v, want [1000]", got)
	}
}
