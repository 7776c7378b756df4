package main

import (
	"bufio"
	"strings"
	"testing"
	"time"
)

// JmxTool's output, as it prints it: the columns of every version's request
// MBean sum into one count, and a moment between two readings is
// interpolated.
func TestBrokerWatchReadsJmxTool(t *testing.T) {
	out := `Trying to connect to JMX url: service:jmx:rmi:///jndi/rmi://127.0.0.1:29092/jmxrmi.
"time","kafka.network:type=RequestMetrics,name=RequestsPerSec,request=Produce,version=9:Count","kafka.network:type=RequestMetrics,name=RequestsPerSec,request=Produce,version=12:Count","kafka.network:type=RequestMetrics,name=RequestsPerSec,request=FetchConsumer,version=17:Count","kafka.network:type=RequestMetrics,name=RequestsPerSec,request=FetchFollower,version=17:Count","kafka.server:type=BrokerTopicMetrics,name=BytesInPerSec:Count","kafka.server:type=BrokerTopicMetrics,name=MessagesInPerSec:Count"
1000,10,5,100,7,1000,10
2000,20,15,300,9,3000,30
`
	w := &brokerWatch{readings: make([][]reading, 1)}
	w.read(0, bufio.NewScanner(strings.NewReader(out)))
	mid, ok := w.at(time.UnixMilli(1500))
	if !ok {
		t.Fatal("no counts between the two readings")
	}
	want := brokerCounts{Produce: 25, Fetch: 200, Follower: 8, Records: 20, Bytes: 2000}
	if mid != want {
		t.Errorf("at 1.5 s: %+v, want %+v", mid, want)
	}
	if _, ok := w.at(time.UnixMilli(2500)); ok {
		t.Error("counts given past the last reading")
	}
	d, err := w.between(time.UnixMilli(1000), time.UnixMilli(2000))
	if err != nil || d.Produce != 20 || d.Bytes != 2000 {
		t.Errorf("between the readings: %+v, %v", d, err)
	}
}
