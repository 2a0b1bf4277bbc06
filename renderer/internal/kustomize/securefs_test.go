package kustomize

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tidegitops/tide/renderer/internal/protocol"
)

func TestSecureFSOperations(t *testing.T) {
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "x.yaml"), []byte(cm("x")), 0o644); err != nil {
		t.Fatal(err)
	}
	root := writeTree(t, map[string]string{
		"a.yaml":        cm("a"),
		"in/link.yaml":  "symlink:../a.yaml",
		"out.yaml":      "symlink:" + filepath.Join(outside, "x.yaml"),
		"outdir":        "symlink:" + outside,
		"dangling.yaml": "symlink:/nonexistent/file",
	})
	fsys, err := newSecureFS(root, false)
	if err != nil {
		t.Fatal(err)
	}
	refused := func(what string, err error) {
		t.Helper()
		wantError(t, err, protocol.CodeSecurityConstraint, "fs-security-constraint")
	}

	// Inside the root, through symlinks too.
	if data, err := fsys.ReadFile(filepath.Join(root, "in/link.yaml")); err != nil || string(data) != cm("a") {
		t.Fatalf("read through an inner symlink: %q, %v", data, err)
	}
	if _, f, err := fsys.CleanedAbs(filepath.Join(root, "in", "..", "a.yaml")); err != nil || f != "a.yaml" {
		t.Fatalf("CleanedAbs inside: %q %v", f, err)
	}

	// Every escape form is refused.
	for _, p := range []string{
		"/etc/passwd",
		filepath.Join(root, "../../../../etc/passwd"),
		filepath.Join(root, "out.yaml"),
		filepath.Join(root, "outdir/x.yaml"),
	} {
		_, err := fsys.ReadFile(p)
		refused(p, err)
		_, err = fsys.Open(p)
		refused(p, err)
		_, _, err = fsys.CleanedAbs(p)
		refused(p, err)
		if fsys.Exists(p) || fsys.IsDir(filepath.Dir(p)) && filepath.Dir(p) == outside {
			t.Fatalf("%s is visible", p)
		}
	}
	_, err = fsys.ReadDir(filepath.Join(root, "outdir"))
	refused("readdir", err)
	err = fsys.Walk(root, func(string, os.FileInfo, error) error { return nil })
	refused("walk", err)
	if m, _ := fsys.Glob(filepath.Join(root, "*.yaml")); len(m) != 2 { // a.yaml, dangling.yaml
		t.Fatalf("glob kept paths outside the root: %v", m)
	}

	// The tree is read-only; the overlay is not on disk.
	refused("write", fsys.WriteFile(filepath.Join(root, "new.yaml"), []byte("x")))
	refused("mkdir", fsys.MkdirAll(filepath.Join(root, "d")))
	refused("remove", fsys.RemoveAll(filepath.Join(root, "a.yaml")))
	_, err = fsys.Create(filepath.Join(root, "c.yaml"))
	refused("create", err)
	if err := fsys.put(filepath.Join(root, "in", "kustomization.yaml"), []byte("resources: []\n")); err != nil {
		t.Fatal(err)
	}
	if !fsys.Exists(filepath.Join(root, "in", "kustomization.yaml")) {
		t.Fatal("overlay file not visible")
	}
	if names, err := fsys.ReadDir(filepath.Join(root, "in")); err != nil || len(names) != 2 {
		t.Fatalf("ReadDir with overlay: %v %v", names, err)
	}
	if _, err := os.Stat(filepath.Join(root, "in", "kustomization.yaml")); !os.IsNotExist(err) {
		t.Fatal("the overlay reached the disk")
	}
	refused("put outside", fsys.put(filepath.Join(outside, "y.yaml"), nil))

	// A FIFO is not read (it would block).
	fifo := filepath.Join(root, "fifo.yaml")
	if err := mkfifo(fifo); err == nil {
		if _, err := fsys.ReadFile(fifo); err == nil {
			t.Fatal("read a FIFO")
		}
	}
}
