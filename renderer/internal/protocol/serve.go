package protocol

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sync"
	"time"
)

// maxMessage caps one incoming line (a request with inline values or an
// answer to a lookup).
const maxMessage = 64 << 20

// Server dispatches requests to handlers, each in its own goroutine.
type Server struct {
	handlers map[string]Handler
	out      *json.Encoder
	outMu    sync.Mutex

	mu       sync.Mutex
	inflight map[int64]context.CancelFunc
	calls    map[int64]chan *Request
	nextCall int64
	wg       sync.WaitGroup

	// AbandonGrace is how long an engine may keep running after its request
	// timed out before the helper exits (Tide replaces it): Kustomize takes
	// no context, and work nobody waits for would otherwise hold the engine.
	AbandonGrace time.Duration
}

// NewServer returns a server for the given operations.
func NewServer(out io.Writer, handlers map[string]Handler) *Server {
	return &Server{
		handlers:     handlers,
		out:          json.NewEncoder(out),
		inflight:     map[int64]context.CancelFunc{},
		calls:        map[int64]chan *Request{},
		AbandonGrace: 60 * time.Second,
	}
}

// Send writes one message.
func (s *Server) Send(msg any) {
	s.outMu.Lock()
	defer s.outMu.Unlock()
	if err := s.out.Encode(msg); err != nil {
		fmt.Fprintf(os.Stderr, "tide-render: write: %v\n", err)
		os.Exit(1) // Tide has gone: nothing left to serve.
	}
}

// Serve reads messages until in ends, then waits for running requests.
func (s *Server) Serve(in io.Reader) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 1<<20), maxMessage)
	for sc.Scan() {
		var req Request
		if err := json.Unmarshal(sc.Bytes(), &req); err != nil {
			fmt.Fprintf(os.Stderr, "tide-render: ignoring a malformed message: %v\n", err)
			continue
		}
		switch {
		case req.Call != 0:
			s.answer(&req)
		case req.Cancel != 0:
			s.mu.Lock()
			if cancel, ok := s.inflight[req.Cancel]; ok {
				cancel()
			}
			s.mu.Unlock()
		case req.ID != 0:
			s.start(&req)
		}
	}
	s.wg.Wait()
	return sc.Err()
}

func (s *Server) start(req *Request) {
	handler, ok := s.handlers[req.Op]
	if !ok {
		s.Send(&Response{ID: req.ID, Error: Errorf(CodeInvalidRequest, "unknown operation %q", req.Op)})
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	if req.TimeoutMs > 0 {
		ctx, cancel = context.WithTimeout(context.Background(), time.Duration(req.TimeoutMs)*time.Millisecond)
	}
	s.mu.Lock()
	s.inflight[req.ID] = cancel
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer func() {
			s.mu.Lock()
			delete(s.inflight, req.ID)
			s.mu.Unlock()
			cancel()
		}()
		result, err := s.run(ctx, req, handler)
		if err != nil {
			s.Send(&Response{ID: req.ID, Error: AsError(err)})
			return
		}
		s.Send(&Response{ID: req.ID, Result: result})
	}()
}

// run calls the handler, turning a panic into a CodePanic error and an
// overrun of the deadline into CodeTimeout even when the engine ignores ctx.
func (s *Server) run(ctx context.Context, req *Request, handler Handler) (any, error) {
	type outcome struct {
		result any
		err    error
	}
	done := make(chan outcome, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				fmt.Fprintf(os.Stderr, "tide-render: recovered from a panic in %s: %v\n%s", req.Op, r, debug.Stack())
				// The panic value goes into the object's status: keep it short (an
				// engine's panic message may quote its input).
				msg := fmt.Sprint(r)
				if len(msg) > 200 {
					msg = msg[:200] + "…"
				}
				done <- outcome{err: Errorf(CodePanic, "recovered from a panic in the %s engine: %s", req.Op, msg)}
			}
		}()
		result, err := handler(ctx, &caller{s, req.ID}, req.Params)
		done <- outcome{result, err}
	}()
	select {
	case o := <-done:
		if o.err != nil && ctx.Err() == context.DeadlineExceeded {
			return nil, Errorf(CodeTimeout, "%s did not finish within %s", req.Op, time.Duration(req.TimeoutMs)*time.Millisecond)
		}
		return o.result, o.err
	case <-ctx.Done():
		// The engine may keep running (Kustomize takes no context). Give it
		// a grace period to notice or finish; past that, this process exits
		// and Tide starts a fresh one.
		go func(grace time.Duration) {
			select {
			case <-done:
			case <-time.After(grace):
				fmt.Fprintf(os.Stderr, "tide-render: the %s engine still runs %s after its request ended; exiting so that Tide starts a fresh helper\n", req.Op, grace)
				os.Exit(3)
			}
		}(s.AbandonGrace)
		if ctx.Err() == context.DeadlineExceeded {
			return nil, Errorf(CodeTimeout, "%s did not finish within %s", req.Op, time.Duration(req.TimeoutMs)*time.Millisecond)
		}
		return nil, Errorf(CodeTimeout, "%s was cancelled", req.Op)
	}
}

type caller struct {
	s  *Server
	id int64
}

func (c *caller) Call(ctx context.Context, op string, params any, result any) error {
	s := c.s
	ch := make(chan *Request, 1)
	s.mu.Lock()
	s.nextCall++
	id := s.nextCall
	s.calls[id] = ch
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.calls, id)
		s.mu.Unlock()
	}()
	s.Send(&Response{Call: id, Request: c.id, Op: op, Params: params})
	select {
	case <-ctx.Done():
		return ctx.Err()
	case answer := <-ch:
		if answer.Error != nil {
			return answer.Error
		}
		if result == nil || len(answer.Result) == 0 {
			return nil
		}
		return json.Unmarshal(answer.Result, result)
	}
}

func (s *Server) answer(req *Request) {
	s.mu.Lock()
	ch, ok := s.calls[req.Call]
	s.mu.Unlock()
	if ok {
		ch <- req
	}
}
