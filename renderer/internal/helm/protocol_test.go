package helm

import (
	"bufio"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/tidegitops/tide/renderer/internal/protocol"
)

// TestLookupOverTheWire runs helm.render behind the real protocol server
// and answers its lookup calls the way Tide does.
func TestLookupOverTheWire(t *testing.T) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	server := protocol.NewServer(outW, Handlers())
	done := make(chan error, 1)
	go func() { done <- server.Serve(inR) }()

	send := func(v any) {
		b, _ := json.Marshal(v)
		if _, err := inW.Write(append(b, '\n')); err != nil {
			t.Fatal(err)
		}
	}
	p := baseParams(t)
	p["lookup"] = true
	send(map[string]any{"id": 1, "op": "helm.render", "params": p, "timeoutMs": 60000})

	answers := map[string]any{
		"Secret": map[string]any{"apiVersion": "v1", "kind": "Secret", "metadata": map[string]any{"name": "existing"},
			"data": map[string]any{"password": "d2lyZQ=="}, "spec": map[string]any{"replicas": 1}},
		"ConfigMap": nil, // not found: Tide answers null
	}
	lines := bufio.NewScanner(outR)
	lines.Buffer(make([]byte, 0, 1<<20), 16<<20)
	var result struct {
		ID     int64           `json:"id"`
		Result *renderResult   `json:"result"`
		Error  *protocol.Error `json:"error"`
	}
	for lines.Scan() {
		var msg struct {
			Call    int64        `json:"call"`
			Request int64        `json:"request"`
			Op      string       `json:"op"`
			Params  lookupParams `json:"params"`
		}
		if err := json.Unmarshal(lines.Bytes(), &msg); err != nil {
			t.Fatal(err)
		}
		if msg.Call == 0 {
			if err := json.Unmarshal(lines.Bytes(), &result); err != nil {
				t.Fatal(err)
			}
			break
		}
		if msg.Op != "lookup" || msg.Request != 1 {
			t.Fatalf("unexpected call %s", lines.Text())
		}
		send(map[string]any{"call": msg.Call, "result": answers[msg.Params.Kind]})
	}
	inW.Close()
	go func() { _, _ = io.Copy(io.Discard, outR) }()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if result.Error != nil || result.Result == nil {
		t.Fatalf("result: %+v", result)
	}
	for _, s := range []string{`found: "yes"`, `password: "d2lyZQ=="`, `configMaps: "0"`} {
		if !strings.Contains(result.Result.Manifest, s) {
			t.Errorf("manifest lacks %q", s)
		}
	}
}
