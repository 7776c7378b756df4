package handling

import (
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
)

// Chaos makes a step fail at random with a transient error, for fault drills
// (faults.error_rate). A rate of 0 adds nothing.
func Chaos(rate float64) []message.HandlerMiddleware {
	if rate <= 0 {
		return nil
	}
	return []message.HandlerMiddleware{middleware.RandomFail(float32(rate))}
}
