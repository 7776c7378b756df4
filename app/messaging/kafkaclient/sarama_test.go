package kafkaclient

import (
	"testing"

	"github.com/IBM/sarama"

	"github.com/orderflow/orderflow/app/config"
)

// config checks kafka.version without importing Sarama; it must accept
// exactly what Sarama parses, or saramaConfig would fall back silently.
func TestConfigAcceptsTheVersionsSaramaParses(t *testing.T) {
	for _, v := range []string{"3.6.0", "4.1.0", "2.8.1", "0.10.2.0", "10.0.0", "x", "3.6", "03.6.0", "1.0.0.0", "0.11.0", "3.6.0-rc1", ""} {
		_, saramaErr := sarama.ParseKafkaVersion(v)
		_, configErr := config.Parse(nil, []string{"ORDERFLOW_KAFKA_VERSION=" + v})
		if (saramaErr == nil) != (configErr == nil) {
			t.Errorf("version %q: Sarama says %v, config says %v", v, saramaErr, configErr)
		}
	}
}
