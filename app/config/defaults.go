package config

import "time"

// Default is the configuration a key takes when config.yaml leaves it out. It
// matches the shipped config.yaml.
func Default() Config {
	return Config{
		Kafka: Kafka{
			Brokers:  []string{"127.0.0.1:9092", "127.0.0.1:9093", "127.0.0.1:9094"},
			Embedded: true,
			ClientID: "orderflow",
			Version:  "3.6.0",
		},
		Topics: Topics{
			Orders:              "orders",
			Payments:            "payments",
			Shipments:           "shipments",
			Notifications:       "notifications",
			DeadLetter:          "dlq",
			Partitions:          12,
			ReplicationFactor:   3,
			MinInsyncReplicas:   2,
			DeadLetterRetention: 14 * 24 * time.Hour,
		},
		Retry: Retry{
			MaxAttempts:     5,
			InitialInterval: 20 * time.Millisecond,
			MaxInterval:     500 * time.Millisecond,
			Multiplier:      2,
			Jitter:          0.2,
		},
		Handler: Handler{
			Timeout:         5 * time.Second,
			MaxMessageBytes: 64 * 1024,
			MaxInFlight:     64,
			CloseTimeout:    30 * time.Second,
		},
		Replay:  Replay{MaxReplays: 3},
		Gateway: Gateway{DeclineOverCents: 50_000, MemoryRecords: 100_000},
		Faults:  Faults{FlakyFailures: 2, FailFailures: 5},
		Logging: Logging{Level: "info", Format: "text"},
		HTTP:    HTTP{Addr: "127.0.0.1:8081"},
	}
}
