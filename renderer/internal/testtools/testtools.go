// Package testtools finds the upstream CLIs (kustomize, helm, sops) that the
// Go tests compare tide-render's engines with. scripts/go-test.ts builds them
// from this module's graph and passes their paths as TIDE_<NAME>_BIN.
package testtools

import (
	"os"
	"strings"
	"testing"
)

// Upstream returns the path of the named upstream CLI from
// TIDE_<NAME>_BIN, else /tmp/tools/<name>, and skips the test when neither
// exists.
func Upstream(t testing.TB, name string) string {
	t.Helper()
	env := "TIDE_" + strings.ToUpper(name) + "_BIN"
	bin := os.Getenv(env)
	if bin == "" {
		bin = "/tmp/tools/" + name
	}
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("upstream %s binary not found at %s (set %s)", name, bin, env)
	}
	return bin
}
