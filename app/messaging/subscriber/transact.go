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
// franz-go's GroupTransactSession under the same lanes. It polls a batch,
// begins a transaction, deals the batch through the lanes — one key's
// records in order, up to MaxInFlight of a partition at once — with every
// output and dead letter produced in the transaction (the records' Delivery
// carries it to the publisher), and ends it: a commit, with the batch's
// offsets, if every record was acked and every output acknowledged; an abort
// otherwise, after which franz-go rewinds the partitions to their committed
// offsets and the batch comes again. A rebalance during a batch aborts it
// (the session sees the revocation). KIP-447 fences a process whose
// partitions moved on; the transactional ID, stable per process and step,
// fences an earlier run of the same process.
type Transact struct {
	cfg       Config
	opts      []kgo.Opt
	txnID     string
	batchSize int

	closing   chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup
	mu        sync.Mutex
	sessions  []*kgo.GroupTransactSession
}

var _ Member = (*Transact)(nil)

// TxnPoint, when set, is called at the points of each transaction a fault
// test kills the process at: "flushed" (every output acknowledged, offsets
// not yet sent), "offsets" (the offsets are in the transaction, it has not
// ended), "committed" (it has). Only the test binary sets it.
var TxnPoint func(point string)

// NewTransact returns an exactly-once subscriber with the client options
// opts (kafkaclient.Conn.Franz), the transactional ID txnID and at most
// batchSize records per transaction.
func NewTransact(cfg Config, opts []kgo.Opt, txnID string, batchSize int) (*Transact, error) {
	cfg.setDefaults()
	errs := []error{cfg.validate(), nonEmpty(opts)}
	if txnID == "" {
		errs = append(errs, errors.New("subscriber: no transactional ID"))
	}
	if batchSize < 1 {
		errs = append(errs, fmt.Errorf("subscriber: batch size %d must be at least 1", batchSize))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &Transact{cfg: cfg, opts: opts, txnID: txnID, batchSize: batchSize, closing: make(chan struct{})}, nil
}

// Subscribe joins the group on topic. The channel closes once the subscriber
// is closed or ctx ends, the transaction under way has ended, and every
// goroutine it started has returned.
func (s *Transact) Subscribe(ctx context.Context, topic string) (<-chan *message.Message, error) {
	select {
	case <-s.closing:
		return nil, errors.New("subscriber closed")
	default:
	}
	opts := append(slices.Clone(s.opts),
		kgo.ConsumerGroup(s.cfg.Group),
		kgo.ConsumeTopics(topic),
		kgo.TransactionalID(s.txnID),
		// Longer than a batch can take (a record's attempts, handler.timeout
		// each, and its backoffs): the coordinator aborts a transaction that
		// outlives it. A restarted process aborts its predecessor's open
		// transaction at once (same transactional ID); a process whose
		// partitions moved on is fenced by the group's generation (KIP-447).
		kgo.TransactionTimeout(time.Minute),
		kgo.DisableAutoCommit(),
	)
	if TxnPoint != nil {
		opts = append(opts, kgo.WithHooks(txnHook{}))
	}
	sess, err := kgo.NewGroupTransactSession(opts...)
	if err != nil {
		return nil, fmt.Errorf("consumer group %s: %w", s.cfg.Group, err)
	}
	s.setSession(sess)
	ctx, cancel := context.WithCancel(ctx)
	out := make(chan *message.Message)
	l := s.cfg.lanes(out)
	l.once = true
	log := s.cfg.Logger.With("group", s.cfg.Group, "topic", topic, "transactional_id", s.txnID)

	s.wg.Add(2)
	go func() { // ends the consumption when the subscriber closes
		defer s.wg.Done()
		select {
		case <-s.closing:
			cancel()
		case <-ctx.Done():
		}
	}()
	go func() { // the transaction loop: it owns the session
		defer s.wg.Done()
		defer close(out)
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
					s.cfg.Fatal(fmt.Errorf("consumer group %s, transactional ID %s: %w", s.cfg.Group, s.txnID, err))
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
			s.setSession(sess)
		}
	}()
	return out, nil
}

// batchWindow is how long a batch gathers records after its first, up to
// the batch size: a transaction costs the brokers about as much whatever its
// size (a marker for each partition it wrote, the coordinator's writes), so
// many small ones would cost them more than the work (Kafka Streams waits
// 100 ms under exactly-once). It adds up to as much latency per step.
const batchWindow = 50 * time.Millisecond

// gather adds to fs what arrives within batchWindow, up to the batch size.
func (s *Transact) gather(ctx context.Context, sess *kgo.GroupTransactSession, fs kgo.Fetches) kgo.Fetches {
	n := fs.NumRecords()
	if n >= s.batchSize {
		return fs
	}
	window, cancel := context.WithTimeout(ctx, batchWindow)
	defer cancel()
	for n < s.batchSize {
		// Every record polled is taken: the session commits the offsets of
		// all it handed out.
		more := sess.PollRecords(window, s.batchSize-n)
		fs = append(fs, more...)
		n += more.NumRecords()
		if window.Err() != nil {
			break
		}
	}
	return fs
}

// maxSessionFailures is how many sessions in a row may fail before the
// subscriber gives up.
const maxSessionFailures = 5

// setSession makes sess the one Joined asks.
func (s *Transact) setSession(sess *kgo.GroupTransactSession) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessions = []*kgo.GroupTransactSession{sess}
}

// consume runs transactions on sess until ctx ends (nil), the brokers refuse
// the group (nil, after Refused), or one fails (its error).
func (s *Transact) consume(ctx context.Context, sess *kgo.GroupTransactSession, l *lanes, topic string, log *slog.Logger) error {
	for {
		fs := sess.PollRecords(ctx, s.batchSize)
		if fs.IsClientClosed() || ctx.Err() != nil {
			return nil
		}
		if s.cfg.refused(fs, topic, log) {
			return nil
		}
		if fs.NumRecords() == 0 {
			continue
		}
		fs = s.gather(ctx, sess, fs)
		if err := s.transact(ctx, sess, l, fs); err != nil {
			return err
		}
	}
}

// transact runs one batch in one transaction and ends it: committed if every
// record of the batch is done, aborted (and rewound by franz-go) otherwise.
func (s *Transact) transact(ctx context.Context, sess *kgo.GroupTransactSession, l *lanes, fs kgo.Fetches) error {
	if err := sess.Begin(); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	start := time.Now()
	done := true
	var mu sync.Mutex
	var wg sync.WaitGroup
	// One claim per partition, its records in offset order: a batch gathered
	// over several polls holds a partition's records in several fetches.
	records := map[int32][]*kgo.Record{}
	fs.EachPartition(func(p kgo.FetchTopicPartition) {
		records[p.Partition] = append(records[p.Partition], p.Records...)
	})
	for _, rs := range records {
		if len(rs) == 0 {
			continue
		}
		b := &batchClaim{txn: sess, records: rs, want: rs[len(rs)-1].Offset + 1}
		wg.Go(func() {
			l.run(ctx, b)
			if b.marked.Load() != b.want {
				mu.Lock()
				done = false
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	commit := done && ctx.Err() == nil
	if commit && TxnPoint != nil {
		TxnPoint("flushed")
	}
	// A cancelled ctx would leave the session unusable: the batch ends with
	// an abort, bounded by the transaction timeout, and the loop returns.
	committed, err := sess.End(context.WithoutCancel(ctx), kgo.TransactionEndTry(commit))
	s.cfg.Ended(committed, time.Since(start))
	if err != nil {
		return fmt.Errorf("end: %w", err)
	}
	if committed && TxnPoint != nil {
		TxnPoint("committed")
	}
	return nil
}

// Group is the consumer group's name.
func (s *Transact) Group() string { return s.cfg.Group }

// Joined reports whether every subscription is a member of its group now.
func (s *Transact) Joined() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sess := range s.sessions {
		if member, gen := sess.Client().GroupMetadata(); member == "" || gen <= 0 {
			return false
		}
	}
	return len(s.sessions) > 0
}

// Close stops consuming and waits until every goroutine has ended.
func (s *Transact) Close() error {
	s.closeOnce.Do(func() { close(s.closing) })
	s.wg.Wait()
	return nil
}

// batchClaim is one partition's records of a batch, as the lanes read them:
// it ends with the batch. The lanes' marks say how far the partition is done;
// the transaction commits only if that is the whole batch.
type batchClaim struct {
	txn     kafkaclient.Txn
	records []*kgo.Record
	want    int64        // the offset after the batch's last record
	marked  atomic.Int64 // how far the lanes finished without a gap
}

func (b *batchClaim) next(ctx context.Context) (inbound, bool) {
	if len(b.records) == 0 || ctx.Err() != nil {
		return nil, false
	}
	r := b.records[0]
	b.records = b.records[1:]
	return txnRecord{(*franzRecord)(r), b.txn}, true
}

func (b *batchClaim) mark(next int64) { b.marked.Store(next) }

// txnRecord is a record whose outputs join the batch's transaction.
type txnRecord struct {
	*franzRecord
	txn kafkaclient.Txn
}

func (r txnRecord) delivery() *kafkaclient.Delivery { return r.franzRecord.delivery().InTxn(r.txn) }

// txnHook calls TxnPoint("offsets") once a transaction's offsets are in it:
// when the brokers answer its TxnOffsetCommit, before EndTxn is sent.
type txnHook struct{}

func (txnHook) OnBrokerRead(_ kgo.BrokerMetadata, key int16, _ int, _, _ time.Duration, err error) {
	const txnOffsetCommit = 28
	if key == txnOffsetCommit && err == nil {
		TxnPoint("offsets")
	}
}
