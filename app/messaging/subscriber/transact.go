package subscriber

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
)

// Transact is the exactly-once Subscriber (delivery.guarantee: exactly_once):
// franz-go's GroupTransactSession under the same lanes. It polls records,
// begins a transaction, and deals them through the lanes — one key's records
// in order, up to MaxInFlight of a partition at once — as they arrive for up
// to its window, with every output and dead letter produced in the
// transaction (the records' Delivery carries it to the publisher). Then it
// ends it: a commit, with the batch's offsets, if the router acked every
// record and the brokers every output; an abort otherwise, after which
// franz-go rewinds the partitions to their committed offsets and the batch
// comes again. A rebalance during a batch aborts it (the session sees the
// revocation). KIP-447 fences a process whose partitions moved on; the
// transactional IDs, stable per process and step, fence an earlier run of
// the same process.
//
// One transaction at a time would leave the step idle while it ends (a
// flush, the offsets, a heartbeat, the end marker): Transact runs
// Transactions.Members members of the group, each its own transaction over
// its own partitions.
type Transact struct {
	lifecycle
	cfg  Config
	opts []kgo.Opt
	txns Transactions
}

var _ Member = (*Transact)(nil)

// Transactions is how an exactly-once subscriber runs its transactions.
type Transactions struct {
	ID      string        // the transactional IDs' stem: each member's is ID-<n>
	Members int           // transactions open at once, one per group member
	Records int           // the most records one transaction takes
	Window  time.Duration // how long a transaction gathers records after its first
	// Point, when set, is called at the points of each transaction a fault
	// test kills the process at: "flushed" (every output acknowledged,
	// offsets not yet sent), "offsets" (the offsets are in the transaction,
	// it has not ended), "committed" (it has). Nil outside the fault tests.
	Point func(point string)
}

func (t Transactions) validate() error {
	var errs []error
	if t.ID == "" {
		errs = append(errs, errors.New("subscriber: no transactional ID"))
	}
	if t.Members < 1 {
		errs = append(errs, fmt.Errorf("subscriber: %d members: must be at least 1", t.Members))
	}
	if t.Records < 1 {
		errs = append(errs, fmt.Errorf("subscriber: %d records per transaction: must be at least 1", t.Records))
	}
	if t.Window <= 0 {
		errs = append(errs, fmt.Errorf("subscriber: a transaction's window %s must be positive", t.Window))
	}
	return errors.Join(errs...)
}

// NewTransact returns an exactly-once subscriber with the client options
// opts (kafkaclient.Conn.Franz) that runs its transactions as txns says.
func NewTransact(cfg Config, opts []kgo.Opt, txns Transactions) (*Transact, error) {
	cfg.setDefaults()
	if err := errors.Join(cfg.validate(), nonEmpty(opts), txns.validate()); err != nil {
		return nil, err
	}
	return &Transact{cfg: cfg, opts: opts, txns: txns}, nil
}

// Subscribe joins the group on topic with the subscriber's members. The
// channel closes once the subscriber is closed or ctx ends, the transactions
// under way have ended, and every goroutine it started has returned.
func (s *Transact) Subscribe(ctx context.Context, topic string) (<-chan *message.Message, error) {
	ctx, ended, err := s.start(ctx)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx) // ends the members started if one cannot be
	out := make(chan *message.Message)
	l := s.cfg.lanes(out)
	l.once = true
	var loops sync.WaitGroup
	for n := range s.txns.Members {
		txnID := fmt.Sprintf("%s-%d", s.txns.ID, n)
		opts := append(slices.Clone(s.opts),
			kgo.ConsumerGroup(s.cfg.Group),
			kgo.ConsumeTopics(topic),
			kgo.TransactionalID(txnID),
			// Longer than a batch can take (a record's attempts, handler.timeout
			// each, and its backoffs): the coordinator aborts a transaction that
			// outlives it. A restarted process aborts its predecessor's open
			// transaction at once (same transactional ID); a process whose
			// partitions moved on is fenced by the group's generation (KIP-447).
			kgo.TransactionTimeout(time.Minute),
			kgo.DisableAutoCommit(),
			// Transaction markers come too: the lanes mark past them and the
			// session commits past them, so an idle group's committed
			// offsets reach the partitions' ends.
			kgo.KeepControlRecords(),
			// Outputs count at the commit, not when acknowledged: they wait
			// for it in the producer and go in one request per broker.
			kgo.ProducerLinger(s.txns.Window+txnLinger),
		)
		if s.txns.Point != nil {
			opts = append(opts, kgo.WithHooks(txnHook(s.txns.Point)))
		}
		sess, err := kgo.NewGroupTransactSession(opts...)
		if err != nil {
			cancel()
			go func() { defer ended(); loops.Wait() }()
			return nil, fmt.Errorf("consumer group %s: %w", s.cfg.Group, err)
		}
		slot := s.member(sess.Client())
		log := s.cfg.Logger.With("group", s.cfg.Group, "topic", topic, "transactional_id", txnID)
		loops.Add(1)
		go func() { // one member's transaction loop: it owns the session
			defer loops.Done()
			failures := 0
			for {
				err := s.consume(ctx, sess, l, topic, log)
				sess.Close() // leaves the group; a transaction left open is aborted
				if err == nil || ctx.Err() != nil {
					return
				}
				// A transaction that could neither commit nor abort: a new
				// session (a new producer epoch) starts from the committed
				// offsets. Five in a row stop the process.
				if failures++; failures == maxSessionFailures {
					log.Error("transaction failed; stopping", "err", err, "failures", failures)
					if s.cfg.Fatal != nil {
						s.cfg.Fatal(fmt.Errorf("consumer group %s, transactional ID %s: %w", s.cfg.Group, txnID, err))
					}
					return
				}
				log.Warn("transaction failed; starting a new session", "err", err, "failures", failures)
				if sess, err = kgo.NewGroupTransactSession(opts...); err != nil {
					if s.cfg.Fatal != nil {
						s.cfg.Fatal(fmt.Errorf("consumer group %s: %w", s.cfg.Group, err))
					}
					return
				}
				s.replace(slot, sess.Client())
			}
		}()
	}
	go func() { // closes the channel once the members have ended
		defer ended()
		defer cancel()
		loops.Wait()
		close(out)
	}()
	return out, nil
}

// txnLinger is how much longer than the window a member's producer holds a
// partition's outputs before it sends them: longer than a batch takes to
// gather and handle, so they go when the batch ends (the flush before the
// commit sends them at once), in one produce request per broker. Sent as
// they came (a 10 ms linger), they took 6–15× the produce requests and twice
// the brokers' CPU per order (BENCHMARKS.md). A dead letter, whose Publish
// waits for the brokers' answer, waits up to the window and this.
const txnLinger = 200 * time.Millisecond

// maxSessionFailures is how many sessions in a row may fail before the
// subscriber gives up.
const maxSessionFailures = 5

// consume runs transactions on sess until ctx ends (nil), the brokers refuse
// the group (nil, after Refused), or one fails (its error).
func (s *Transact) consume(ctx context.Context, sess *kgo.GroupTransactSession, l *lanes, topic string, log *slog.Logger) error {
	for {
		fs := sess.PollRecords(ctx, s.txns.Records)
		if fs.IsClientClosed() || ctx.Err() != nil {
			return nil
		}
		if s.cfg.refused(fs, topic, log) {
			return nil
		}
		if fs.NumRecords() == 0 {
			continue
		}
		if err := s.transact(ctx, sess, l, fs); err != nil {
			return err
		}
	}
}

// transact runs one batch in one transaction and ends it: committed if every
// record of the batch is done and every output acknowledged, aborted (and
// rewound by franz-go) otherwise. The batch is fs and what arrives within
// the window after it, up to Transactions.Records; each partition's records go
// to the lanes as they arrive.
func (s *Transact) transact(ctx context.Context, sess *kgo.GroupTransactSession, l *lanes, fs kgo.Fetches) error {
	if err := sess.Begin(); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	start := time.Now()
	txn := &batchTxn{sess: sess}
	var wg sync.WaitGroup
	claims := map[int32]*batchClaim{} // one per partition: its records in offset order
	deal := func(fs kgo.Fetches) {
		fs.EachPartition(func(p kgo.FetchTopicPartition) {
			if len(p.Records) == 0 {
				return
			}
			c, ok := claims[p.Partition]
			if !ok {
				c = newBatchClaim(txn, s.txns.Records)
				claims[p.Partition] = c
				wg.Go(func() { l.run(ctx, c) })
			}
			c.add(p.Records)
		})
	}
	deal(fs)
	if n := fs.NumRecords(); n < s.txns.Records {
		window, cancel := context.WithTimeout(ctx, s.txns.Window)
		for n < s.txns.Records && window.Err() == nil {
			// Every record polled is taken: the session commits the offsets
			// of all it handed out.
			more := sess.PollRecords(window, s.txns.Records-n)
			deal(more)
			n += more.NumRecords()
		}
		cancel()
	}
	for _, c := range claims {
		c.close()
	}
	wg.Wait()
	done := ctx.Err() == nil
	for _, c := range claims {
		done = done && c.marked.Load() == c.want
	}
	// The lanes count a record done once the router acked it; its outputs
	// are acknowledged here. (franz-go would not commit a transaction an
	// output of which failed either.)
	if done {
		if err := sess.Client().Flush(ctx); err != nil || txn.failed.Load() > 0 {
			done = false
		}
	}
	if done && s.txns.Point != nil {
		s.txns.Point("flushed")
	}
	// A cancelled ctx would leave the session unusable: the batch ends with
	// an abort, bounded by the transaction timeout, and the loop returns.
	committed, err := sess.End(context.WithoutCancel(ctx), kgo.TransactionEndTry(done))
	s.cfg.Ended(committed, time.Since(start))
	if err != nil {
		return fmt.Errorf("end: %w", err)
	}
	if committed && s.txns.Point != nil {
		s.txns.Point("committed")
	}
	return nil
}

// batchTxn is a batch's transaction as its records' outputs join it: it
// counts the outputs the brokers failed.
type batchTxn struct {
	sess   *kgo.GroupTransactSession
	failed atomic.Int64
}

func (t *batchTxn) Produce(ctx context.Context, r *kgo.Record, promise func(*kgo.Record, error)) {
	t.sess.Produce(ctx, r, func(r *kgo.Record, err error) {
		if err != nil {
			t.failed.Add(1)
		}
		promise(r, err)
	})
}

// Group is the consumer group's name.
func (s *Transact) Group() string { return s.cfg.Group }

// batchClaim is one partition's records of a batch, as the lanes read them:
// they arrive while the batch gathers, and the claim ends with the batch. The
// lanes' marks say how far the partition is done; the transaction commits
// only if that is the whole batch.
type batchClaim struct {
	txn     kafkaclient.Txn
	records chan *kgo.Record // closed once the batch is gathered
	want    int64            // the offset after the last record added
	marked  atomic.Int64     // how far the lanes finished without a gap
}

// newBatchClaim returns a claim of at most size records.
func newBatchClaim(txn kafkaclient.Txn, size int) *batchClaim {
	return &batchClaim{txn: txn, records: make(chan *kgo.Record, size)}
}

// add hands rs, the partition's next records, to the lanes. A claim holds a
// batch's worth: add never waits.
func (b *batchClaim) add(rs []*kgo.Record) {
	for _, r := range rs {
		b.records <- r
	}
	b.want = rs[len(rs)-1].Offset + 1
}

// close says the batch holds no more of the partition's records.
func (b *batchClaim) close() { close(b.records) }

func (b *batchClaim) next(ctx context.Context) (inbound, bool) {
	select {
	case r, ok := <-b.records:
		if !ok {
			return nil, false
		}
		return txnRecord{(*record)(r), b.txn}, true
	case <-ctx.Done():
		return nil, false
	}
}

func (b *batchClaim) mark(next int64) { b.marked.Store(next) }

// txnRecord is a record whose outputs join the batch's transaction.
type txnRecord struct {
	*record
	txn kafkaclient.Txn
}

func (r txnRecord) delivery() *kafkaclient.Delivery { return r.record.delivery().InTxn(r.txn) }

// txnHook calls Transactions.Point("offsets") once a transaction's offsets
// are in it: when the brokers answer its TxnOffsetCommit, before EndTxn is sent.
type txnHook func(point string)

func (h txnHook) OnBrokerRead(_ kgo.BrokerMetadata, key int16, _ int, _, _ time.Duration, err error) {
	const txnOffsetCommit = 28
	if key == txnOffsetCommit && err == nil {
		h("offsets")
	}
}
