package config

import (
	"errors"
	"fmt"
	"time"
)

// MinConsoleTokenBytes is the shortest operator token accepted: a short one
// could be guessed through the replay form.
const MinConsoleTokenBytes = 16

func (c Console) validate() error {
	var errs []error
	if c.Token != "" && len(c.Token.Reveal()) < MinConsoleTokenBytes {
		errs = append(errs, fmt.Errorf("console.token is shorter than %d bytes: use a random one (openssl rand -hex 16)", MinConsoleTokenBytes))
	}
	if c.Token != "" && !c.Enabled {
		errs = append(errs, errors.New("console.token is set but console.enabled is false"))
	}
	if c.IndexPayloadBytes < 0 {
		errs = append(errs, fmt.Errorf("console.index_payload_bytes %d must not be negative", c.IndexPayloadBytes))
	}
	if c.Wait <= 0 || c.Wait > time.Minute {
		errs = append(errs, fmt.Errorf("console.wait %s must be positive and at most 1m", c.Wait))
	}
	return errors.Join(errs...)
}
