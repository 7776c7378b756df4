package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// procs are a contender's running processes. One that ends before stop is a
// failed run: exited reports it, so a measurement does not wait for orders
// that will never come.
type procs struct {
	cmds     []*exec.Cmd
	waited   []chan struct{} // closed as each process's Wait returns
	exited   chan error      // one error per process that ended on its own
	stopping atomic.Bool
}

func start(c contender, o options, prefix string) (*procs, error) {
	p := &procs{cmds: c.commands(o.Brokers, prefix, o.Partitions)}
	p.exited = make(chan error, len(p.cmds))
	for _, cmd := range p.cmds {
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Start(); err != nil {
			p.stop()
			return nil, err
		}
		w := make(chan struct{})
		p.waited = append(p.waited, w)
		go func() { // ends when the process does
			defer close(w)
			err := cmd.Wait()
			if !p.stopping.Load() {
				p.exited <- fmt.Errorf("%s exited during the run: %v", strings.Join(cmd.Args[1:], " "), err)
			}
		}()
	}
	return p, nil
}

// failed returns the first unexpected exit, if there was one.
func (p *procs) failed() error {
	select {
	case err := <-p.exited:
		return err
	default:
		return nil
	}
}

// stop sends SIGTERM to every process and waits for each, killing one that
// takes longer than 30 s.
func (p *procs) stop() {
	p.stopping.Store(true)
	for _, cmd := range p.cmds {
		if cmd.Process != nil {
			_ = cmd.Process.Signal(syscall.SIGTERM)
		}
	}
	for i, w := range p.waited {
		select {
		case <-w:
		case <-time.After(30 * time.Second):
			_ = p.cmds[i].Process.Kill()
			<-w
		}
	}
}

func (p *procs) pids() []int {
	var pids []int
	for _, cmd := range p.cmds {
		if cmd.Process != nil {
			pids = append(pids, cmd.Process.Pid)
		}
	}
	return pids
}

// brokerPIDs are the local cluster's broker processes (task kafka:up writes
// their pids under .kafka/run), or none when the brokers are elsewhere.
func brokerPIDs() []int {
	files, _ := filepath.Glob(".kafka/run/node*.pid")
	var pids []int
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if pid, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil && syscall.Kill(pid, 0) == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// usage is what a sampler measured between markStart and stop.
type usage struct {
	cpu, brokerCPU float64 // seconds
	peakRSS        float64 // MiB, from the sampler's start
}

// sampler reads the RSS and CPU time of a contender's processes, and the CPU
// time of the brokers, every 100 ms.
type sampler struct {
	pids, brokers []int
	mu            sync.Mutex
	rss           []float64
	peak          float64
	cpuStart      float64
	brokerStart   float64
	done          chan struct{}
	stopped       chan struct{}
}

func newSampler(p *procs, brokers []int) *sampler {
	s := &sampler{pids: p.pids(), brokers: brokers, done: make(chan struct{}), stopped: make(chan struct{})}
	go func() { // ends at stop
		defer close(s.stopped)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			rss, _ := readProc(s.pids)
			s.mu.Lock()
			s.rss = append(s.rss, rss)
			s.peak = max(s.peak, rss)
			s.mu.Unlock()
			select {
			case <-tick.C:
			case <-s.done:
				return
			}
		}
	}()
	return s
}

// markStart starts the CPU clocks (and the steady-RSS window) now.
func (s *sampler) markStart() {
	_, cpu := readProc(s.pids)
	_, broker := readProc(s.brokers)
	s.mu.Lock()
	s.cpuStart, s.brokerStart, s.rss = cpu, broker, nil
	s.mu.Unlock()
}

// stop ends sampling.
func (s *sampler) stop() usage {
	_, cpu := readProc(s.pids)
	_, broker := readProc(s.brokers)
	close(s.done)
	<-s.stopped
	s.mu.Lock()
	defer s.mu.Unlock()
	return usage{cpu: cpu - s.cpuStart, brokerCPU: broker - s.brokerStart, peakRSS: s.peak}
}

// median is the median RSS since markStart, in MiB.
func (s *sampler) median() float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.rss) == 0 {
		return 0
	}
	v := slices.Clone(s.rss)
	slices.Sort(v)
	return v[len(v)/2]
}

// readProc sums RSS (MiB) and CPU seconds over pids from /proc.
func readProc(pids []int) (rssMiB, cpuSeconds float64) {
	for _, pid := range pids {
		dir := "/proc/" + strconv.Itoa(pid)
		if status, err := os.ReadFile(dir + "/status"); err == nil {
			for _, line := range strings.Split(string(status), "\n") {
				if strings.HasPrefix(line, "VmRSS:") {
					kb, _ := strconv.ParseFloat(strings.Fields(line)[1], 64)
					rssMiB += kb / 1024
				}
			}
		}
		if stat, err := os.ReadFile(dir + "/stat"); err == nil {
			// Fields after the command name, which is in parentheses.
			f := strings.Fields(string(stat)[strings.LastIndexByte(string(stat), ')')+2:])
			utime, _ := strconv.ParseFloat(f[11], 64)
			stime, _ := strconv.ParseFloat(f[12], 64)
			cpuSeconds += (utime + stime) / 100 // USER_HZ
		}
	}
	return rssMiB, cpuSeconds
}
