package main

import (
	"context"
	"encoding/json"
	"os"
	"time"

	"github.com/tidegitops/tide/renderer/internal/protocol"
)

// testOps are operations for Tide's tests of the process pool (crash,
// hang, panic, memory growth, callbacks). They exist only when
// TIDE_RENDER_TEST_OPS=1 is set in the helper's environment.
func testOps() map[string]protocol.Handler {
	if os.Getenv("TIDE_RENDER_TEST_OPS") != "1" {
		return nil
	}
	type params struct {
		Ms    int64  `json:"ms,omitempty"`
		MiB   int    `json:"mib,omitempty"`
		Op    string `json:"op,omitempty"`
		Value any    `json:"value,omitempty"`
	}
	decode := func(raw json.RawMessage) (params, error) {
		var p params
		return p, protocol.Decode(raw, &p)
	}
	return map[string]protocol.Handler{
		"test.echo": func(_ context.Context, _ protocol.Caller, raw json.RawMessage) (any, error) {
			p, err := decode(raw)
			return map[string]any{"value": p.Value}, err
		},
		// test.sleep honours ctx; test.spin ignores it like an engine would.
		"test.sleep": func(ctx context.Context, _ protocol.Caller, raw json.RawMessage) (any, error) {
			p, err := decode(raw)
			if err != nil {
				return nil, err
			}
			select {
			case <-time.After(time.Duration(p.Ms) * time.Millisecond):
				return map[string]any{}, nil
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		},
		"test.spin": func(_ context.Context, _ protocol.Caller, raw json.RawMessage) (any, error) {
			p, err := decode(raw)
			if err != nil {
				return nil, err
			}
			time.Sleep(time.Duration(p.Ms) * time.Millisecond)
			return map[string]any{}, nil
		},
		"test.panic": func(context.Context, protocol.Caller, json.RawMessage) (any, error) {
			var m map[string]int
			m["boom"]++ // a nil-map write, the kind of panic an engine bug causes
			return nil, nil
		},
		"test.exit": func(context.Context, protocol.Caller, json.RawMessage) (any, error) {
			os.Exit(7)
			return nil, nil
		},
		"test.alloc": func(ctx context.Context, _ protocol.Caller, raw json.RawMessage) (any, error) {
			p, err := decode(raw)
			if err != nil {
				return nil, err
			}
			var hold [][]byte
			for i := 0; i < p.MiB; i++ {
				b := make([]byte, 1<<20)
				for j := range b {
					b[j] = byte(j)
				}
				hold = append(hold, b)
			}
			<-ctx.Done()
			return len(hold), nil
		},
		"test.call": func(ctx context.Context, caller protocol.Caller, raw json.RawMessage) (any, error) {
			p, err := decode(raw)
			if err != nil {
				return nil, err
			}
			var answer any
			if err := caller.Call(ctx, p.Op, p.Value, &answer); err != nil {
				return nil, err
			}
			return map[string]any{"answer": answer}, nil
		},
	}
}
