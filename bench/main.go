// Command bench measures orderflow against the alternatives on the same
// brokers: end-to-end throughput from a pre-filled backlog, latency at fixed
// open-loop loads, and the serving process's memory and CPU. See BENCHMARKS.md.
//
//	task bench -- [--quick] [--embedded] [--orders N] [--partitions P] [--json FILE]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/orderflow/orderflow/app/broker"
	"github.com/orderflow/orderflow/app/cli"
	"github.com/orderflow/orderflow/app/config"
)

func main() {
	// The same binary runs each contender as a child process.
	if len(os.Args) > 1 && os.Args[1] == "contender" {
		os.Exit(contenderMain(os.Args[2:]))
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type options struct {
	Brokers    []string      `json:"brokers"`
	Embedded   bool          `json:"embedded"`
	Orders     int           `json:"orders"`
	Partitions int           `json:"partitions"`
	MaxTime    time.Duration `json:"max_time"`
	Warmup     int           `json:"warmup_orders"`
	WarmupFor  time.Duration `json:"warmup_max_time"`
	Repeats    int           `json:"repeats"`
	LatencyFor time.Duration `json:"latency_for"`
	Rates      []string      `json:"rates"`
	Contenders []string      `json:"contenders"`
}

func run() error {
	var o options
	quick := flag.Bool("quick", false, "a minute-long run per contender: fewer orders, shorter latency runs")
	brokers := flag.String("brokers", "127.0.0.1:9092,127.0.0.1:9093,127.0.0.1:9094", "Kafka brokers (task kafka:up)")
	flag.BoolVar(&o.Embedded, "embedded", false, "run on the embedded broker instead")
	flag.IntVar(&o.Orders, "orders", 200_000, "orders pre-filled for the throughput run")
	flag.IntVar(&o.Partitions, "partitions", 12, "partitions of every topic, for every contender")
	flag.DurationVar(&o.MaxTime, "max-time", 3*time.Minute, "stop a throughput run after this long and report the rate so far")
	flag.IntVar(&o.Warmup, "warmup", 300_000, "most orders each contender first drains, not measured, in windows until the brokers' CPU per order holds (their JIT has compiled its requests' paths); 0: none")
	flag.DurationVar(&o.WarmupFor, "warmup-for", 3*time.Minute, "longest a warm-up runs")
	flag.IntVar(&o.Repeats, "repeats", 3, "measured drains per contender, interleaved with the other contenders'; the median is reported")
	flag.DurationVar(&o.LatencyFor, "latency-for", time.Minute, "length of each latency run (the first fifth is warm-up)")
	rates := flag.String("rates", "1000,25%", "latency runs: orders/s, or a percentage of the contender's max throughput; none skips them")
	contenders := flag.String("contenders", strings.Join(contenderNames, ","), "contenders to run")
	jsonOut := flag.String("json", "", "also write the figures to this file")
	flag.Parse()
	if *quick {
		o.Orders, o.LatencyFor, o.MaxTime, o.Warmup, o.WarmupFor = 20_000, 15*time.Second, 45*time.Second, 10_000, 15*time.Second
		if !flagSet("repeats") {
			o.Repeats = 1
		}
	}
	if o.Embedded && !flagSet("warmup") {
		o.Warmup = 0 // no JIT in the embedded broker
	}
	o.Contenders = strings.Split(*contenders, ",")
	if *rates != "none" && *rates != "" {
		o.Rates = strings.Split(*rates, ",")
	}
	for _, r := range o.Rates {
		if _, err := parseRate(r, 1); err != nil {
			return err
		}
	}
	o.Brokers = strings.Split(*brokers, ",")

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	kafkaVersion := kafkaVersionOf()
	if o.Embedded {
		cfg := config.Default().Kafka
		cfg.Brokers = []string{"127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"}
		e, err := broker.Start(cfg)
		if err != nil {
			return err
		}
		defer e.Close()
		o.Brokers = e.Addrs()
		kafkaVersion = "embedded (franz-go kfake, in memory)"
	}
	env := environment{
		Command:    "go run ./bench " + strings.Join(os.Args[1:], " "),
		Machine:    machine(),
		Kafka:      kafkaVersion,
		Partitions: o.Partitions,
		Go:         runtime.Version(),
		When:       time.Now().UTC().Format(time.RFC3339),
	}
	fmt.Printf("orderflow benchmark — %s\n%s, Kafka %s, %d partitions, acks=all\n\n", env.Command, env.Machine, env.Kafka, env.Partitions)

	if slices.Contains(o.Contenders, "python") {
		if err := exec.Command("/usr/bin/python3", "-c", "import confluent_kafka").Run(); err != nil {
			return fmt.Errorf("the python contender needs Debian's python3-confluent-kafka (apt-get install python3-confluent-kafka), or leave it out with --contenders: %w", err)
		}
	}
	var cs []contender
	for _, name := range o.Contenders {
		c, ok := contenderByName(name)
		if !ok {
			return fmt.Errorf("unknown contender %q (have %s)", name, strings.Join(contenderNames, ", "))
		}
		cs = append(cs, c)
	}
	results, err := measureAll(ctx, cs, o)
	if err != nil {
		return err
	}
	report(os.Stdout, results)
	if *jsonOut != "" {
		data, err := json.MarshalIndent(map[string]any{"environment": env, "options": o, "results": results}, "", "  ")
		if err != nil {
			return err
		}
		return os.WriteFile(*jsonOut, data, 0o644)
	}
	return nil
}

// measureAll warms every contender, then drains each o.Repeats times,
// interleaved (a round is one drain of each, so a drift of the cluster
// touches all alike), keeps the median, and runs the latency loads.
func measureAll(ctx context.Context, cs []contender, o options) ([]result, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(o.Brokers...), kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerBatchMaxBytes(1<<20), kgo.ProducerBatchCompression(kgo.NoCompression()))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	for _, c := range cs {
		fmt.Printf("== %s: warm-up\n", c)
		if err := warm(ctx, cl, c, o); err != nil {
			return nil, fmt.Errorf("%s: %w", c.name, err)
		}
	}
	drains := make([][]result, len(cs))
	for round := 1; round <= max(o.Repeats, 1); round++ {
		for i, c := range cs {
			fmt.Printf("== %s: drain %d of %d\n", c, round, max(o.Repeats, 1))
			r, err := drain(ctx, cl, c, o, o.Orders, o.MaxTime, true)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", c.name, err)
			}
			r.Name, r.Title = c.name, c.title
			drains[i] = append(drains[i], r)
		}
	}
	results := make([]result, len(cs))
	for i, c := range cs {
		results[i] = median(drains[i])
		if len(o.Rates) > 0 {
			fmt.Printf("== %s: latency\n", c)
		}
		lr, err := latencies(ctx, cl, c, o, results[i].OrdersPerSecond)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.name, err)
		}
		results[i].Latency = lr
	}
	return results, nil
}

type environment struct {
	Command    string `json:"command"`
	Machine    string `json:"machine"`
	Kafka      string `json:"kafka"`
	Partitions int    `json:"partitions"`
	Go         string `json:"go"`
	When       string `json:"when"`
}

func machine() string {
	model := "unknown CPU"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	return fmt.Sprintf("%d × %s, %s/%s", runtime.NumCPU(), model, runtime.GOOS, runtime.GOARCH)
}

// kafkaVersionOf reads the version the local cluster runs from deploy/kafka/pom.xml.
func kafkaVersionOf() string {
	data, err := os.ReadFile("deploy/kafka/pom.xml")
	if err != nil {
		return "unknown"
	}
	s := string(data)
	if i := strings.Index(s, "<kafka.version>"); i >= 0 {
		s = s[i+len("<kafka.version>"):]
		if j := strings.Index(s, "<"); j >= 0 {
			return "Apache Kafka " + s[:j] + " (3 brokers, RF 3, min.insync.replicas 2)"
		}
	}
	return "unknown"
}

// contenderMain runs one contender in this (child) process until SIGTERM.
func contenderMain(args []string) int {
	// BENCH_CPUPROFILE=dir writes each contender process's CPU profile there
	// (dir/<kind>-<pid>.pprof), for finding where a contender's time goes.
	if dir := os.Getenv("BENCH_CPUPROFILE"); dir != "" && len(args) > 0 {
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%s-%d.pprof", args[0], os.Getpid())))
		if err == nil && pprof.StartCPUProfile(f) == nil {
			defer f.Close()
			defer pprof.StopCPUProfile()
		}
	}
	if len(args) > 0 && args[0] == "orderflow" {
		return cli.Main(args[1:], os.Stdout, os.Stderr)
	}
	if len(args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: bench contender KIND BROKERS PREFIX")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	brokers, t := strings.Split(args[1], ","), topicsFor(args[2])
	var err error
	switch args[0] {
	case "watermill":
		err = runWatermill(ctx, brokers, t)
	case "sarama":
		err = runSarama(ctx, brokers, t)
	case "franz":
		err = runFranz(ctx, brokers, t)
	case "franz-txn":
		err = runFranzTxn(ctx, brokers, t)
	case "sarama-txn":
		err = runSaramaTxn(ctx, brokers, t)
	default:
		err = fmt.Errorf("unknown contender %s", args[0])
	}
	if err != nil && ctx.Err() == nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// flagSet reports whether the command line set the flag name.
func flagSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
