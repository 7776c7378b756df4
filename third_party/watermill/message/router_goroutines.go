package message

import "sync/atomic"

// handlerGoroutines runs a handler's messages on goroutines it keeps
// (RouterConfig.IdleHandlerGoroutines): a message goes to an idle one if
// there is one, or to a new one. A goroutine that is done with its message
// parks to wait for the next, unless max are idle already; then it ends.
// Every goroutine ends once stop is called and its message is done.
type handlerGoroutines struct {
	run  func(*Message)
	max  int32
	idle atomic.Int32
	next chan *Message // unbuffered: a send succeeds only to an idle goroutine
}

func newHandlerGoroutines(maxIdle int, run func(*Message)) *handlerGoroutines {
	return &handlerGoroutines{run: run, max: int32(maxIdle), next: make(chan *Message)}
}

// handle runs msg on an idle goroutine, or on a new one: it never waits for
// a message to be done.
func (p *handlerGoroutines) handle(msg *Message) {
	select {
	case p.next <- msg:
	default:
		go p.work(msg)
	}
}

// work runs msg, then every message it is given while idle, until more than
// max goroutines are idle or stop is called.
func (p *handlerGoroutines) work(msg *Message) {
	for {
		p.run(msg)
		if p.idle.Add(1) > p.max {
			p.idle.Add(-1)
			return
		}
		var ok bool
		msg, ok = <-p.next
		p.idle.Add(-1)
		if !ok {
			return
		}
	}
}

// stop ends the idle goroutines, and the others once their message is done.
// handle must not be called after it.
func (p *handlerGoroutines) stop() { close(p.next) }
