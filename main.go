// Command orderflow is an event-driven order pipeline on Kafka:
// orders → payments → shipments + notifications. See README.md.
package main

import (
	"os"

	"github.com/orderflow/orderflow/app/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
