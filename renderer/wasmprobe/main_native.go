//go:build !js

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sync"
)

// request and response are one JSON line each on stdin and stdout.
type request struct {
	ID     int64           `json:"id"`
	Op     string          `json:"op"`
	Params json.RawMessage `json:"params"`
}

type response struct {
	ID     int64  `json:"id"`
	Output string `json:"output,omitempty"`
	Error  string `json:"error,omitempty"`
}

// kustomizeMu serializes kustomize builds, as tide-render does: the
// kustomize API keeps unguarded global state.
var kustomizeMu sync.Mutex

func main() {
	out := json.NewEncoder(os.Stdout)
	var outMu sync.Mutex
	send := func(r response) {
		outMu.Lock()
		defer outMu.Unlock()
		if err := out.Encode(r); err != nil {
			fmt.Fprintf(os.Stderr, "wasmprobe: write: %v\n", err)
			os.Exit(1)
		}
	}
	send(response{ID: 0, Output: "ready"})
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	var wg sync.WaitGroup
	for sc.Scan() {
		var req request
		if err := json.Unmarshal(sc.Bytes(), &req); err != nil {
			fmt.Fprintf(os.Stderr, "wasmprobe: ignoring a malformed line: %v\n", err)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if req.Op == "kustomize.build" {
				kustomizeMu.Lock()
				defer kustomizeMu.Unlock()
			}
			output, err := run(req.Op, req.Params)
			if err != nil {
				send(response{ID: req.ID, Error: err.Error()})
				return
			}
			send(response{ID: req.ID, Output: output})
		}()
	}
	wg.Wait()
}
