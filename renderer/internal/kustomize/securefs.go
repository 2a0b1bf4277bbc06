package kustomize

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/tidegitops/tide/renderer/internal/protocol"
)

// maxFileSize caps one file read from the artifact tree.
const maxFileSize = 256 << 20

// secureFS is the filesystem kustomize sees: the artifact tree on disk,
// read-only and confined to root, under an in-memory overlay holding the
// effective kustomization.yaml and decrypted generator inputs. Every
// operation resolves symlinks first and refuses a path that ends up outside
// root. The first refusal is kept, so a build that fails on it reports it
// instead of kustomize's wrapped message.
type secureFS struct {
	given string // root as the caller gave it (cleaned)
	real  string // root with symlinks resolved
	// cloneDirs: kustomize's remote-base clones under the temp dir are
	// readable too (only when remote bases are allowed).
	cloneDirs string

	mu      sync.Mutex
	overlay map[string][]byte // resolved absolute path -> content
	fatal   *protocol.Error   // first refusal or guard failure
}

func newSecureFS(root string, allowRemote bool) (*secureFS, error) {
	given := filepath.Clean(root)
	real, err := filepath.EvalSymlinks(given)
	if err != nil {
		return nil, protocol.Errorf(protocol.CodeInvalidRequest, "root %q cannot be resolved: %v", root, err)
	}
	f := &secureFS{given: given, real: real, overlay: map[string][]byte{}}
	if allowRemote {
		if tmp, err := filepath.EvalSymlinks(os.TempDir()); err == nil {
			f.cloneDirs = filepath.Join(tmp, "kustomize-")
		}
	}
	return f, nil
}

// display names a path for messages: relative to root when it is lexically
// inside it, else as given.
func (f *secureFS) display(path string) string {
	for _, r := range []string{f.real, f.given} {
		if path == r {
			return "."
		}
		if rel, ok := strings.CutPrefix(path, r+string(filepath.Separator)); ok {
			return rel
		}
	}
	return path
}

// resolve returns the symlink-free absolute form of path. A path that does
// not exist is resolved through its deepest existing ancestor.
func resolve(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	rest := ""
	dir := abs
	for {
		real, err := filepath.EvalSymlinks(dir)
		if err == nil {
			return filepath.Join(real, rest), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return abs, nil
		}
		rest = filepath.Join(filepath.Base(dir), rest)
		dir = parent
	}
}

func (f *secureFS) inside(real string) bool {
	if real == f.real || strings.HasPrefix(real, f.real+string(filepath.Separator)) {
		return true
	}
	return f.cloneDirs != "" && strings.HasPrefix(real, f.cloneDirs)
}

// check resolves path and confirms it is inside root.
func (f *secureFS) check(op, path string) (string, error) {
	real, err := resolve(path)
	if err != nil {
		return "", fmt.Errorf("%s %s: %w", op, f.display(path), err)
	}
	if !f.inside(real) {
		return "", f.refuse(op, path)
	}
	return real, nil
}

func (f *secureFS) refuse(op, path string) error {
	shown := f.display(path)
	why := "it is outside the artifact root"
	if abs, err := filepath.Abs(path); err == nil && f.insideLexically(abs) {
		why = "a symlink on the way resolves outside the artifact root"
	}
	err := protocol.Errorf(protocol.CodeSecurityConstraint,
		"fs-security-constraint: refused to %s %q: %s; keep every file the kustomization uses inside the source artifact", op, shown, why)
	f.remember(err)
	return err
}

func (f *secureFS) insideLexically(abs string) bool {
	for _, r := range []string{f.real, f.given} {
		if abs == r || strings.HasPrefix(abs, r+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

func (f *secureFS) remember(err *protocol.Error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fatal == nil {
		f.fatal = err
	}
}

func (f *secureFS) firstFatal() *protocol.Error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fatal
}

// put places content at path in the overlay; path must be inside root.
func (f *secureFS) put(path string, data []byte) error {
	real, err := f.check("write", path)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.overlay[real] = data
	return nil
}

func (f *secureFS) overlaid(path string) ([]byte, string, bool) {
	real, err := resolve(path)
	if err != nil {
		return nil, "", false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	data, ok := f.overlay[real]
	return data, real, ok
}

func (f *secureFS) readOnly(op, path string) error {
	if f.cloneDirs != "" {
		if real, err := resolve(path); err == nil && strings.HasPrefix(real, f.cloneDirs) {
			return nil
		}
	}
	err := protocol.Errorf(protocol.CodeSecurityConstraint,
		"fs-security-constraint: refused to %s %q: the artifact tree is read-only during a build", op, f.display(path))
	f.remember(err)
	return err
}

// Create refuses: the tree is read-only (except kustomize's own clone dirs).
func (f *secureFS) Create(path string) (filesys.File, error) {
	if err := f.readOnly("create", path); err != nil {
		return nil, err
	}
	return os.Create(path)
}

// Mkdir refuses: the tree is read-only (except kustomize's own clone dirs).
func (f *secureFS) Mkdir(path string) error {
	if err := f.readOnly("mkdir", path); err != nil {
		return err
	}
	return os.Mkdir(path, 0o700)
}

// MkdirAll refuses: the tree is read-only (except kustomize's own clone dirs).
func (f *secureFS) MkdirAll(path string) error {
	if err := f.readOnly("mkdir", path); err != nil {
		return err
	}
	return os.MkdirAll(path, 0o700)
}

// RemoveAll refuses: the tree is read-only (except kustomize's own clone dirs).
func (f *secureFS) RemoveAll(path string) error {
	if err := f.readOnly("remove", path); err != nil {
		return err
	}
	return os.RemoveAll(path)
}

// WriteFile refuses: the tree is read-only (except kustomize's own clone dirs).
func (f *secureFS) WriteFile(path string, data []byte) error {
	if err := f.readOnly("write", path); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o600)
}

// Open opens a file for reading.
func (f *secureFS) Open(path string) (filesys.File, error) {
	data, err := f.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return &memFile{name: filepath.Base(path), Reader: bytes.NewReader(data), size: int64(len(data))}, nil
}

// ReadFile returns the content of a regular file inside root (or in the overlay).
func (f *secureFS) ReadFile(path string) ([]byte, error) {
	if data, _, ok := f.overlaid(path); ok {
		return bytes.Clone(data), nil
	}
	real, err := f.check("read", path)
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(real)
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: f.display(path), Err: unwrapPathErr(err)}
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("read %s: not a regular file", f.display(path))
	}
	if st.Size() > maxFileSize {
		return nil, fmt.Errorf("read %s: the file is %d bytes, over the %d MiB limit", f.display(path), st.Size(), maxFileSize>>20)
	}
	data, err := os.ReadFile(real)
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: f.display(path), Err: unwrapPathErr(err)}
	}
	if err := checkAliases(data, f.display(path)); err != nil {
		f.remember(err)
		return nil, err
	}
	return data, nil
}

func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Exists reports whether path exists inside root (or in the overlay).
func (f *secureFS) Exists(path string) bool {
	if _, _, ok := f.overlaid(path); ok {
		return true
	}
	real, err := resolve(path)
	if err != nil || !f.inside(real) {
		return false
	}
	_, err = os.Stat(real)
	return err == nil
}

// IsDir reports whether path is a directory inside root.
func (f *secureFS) IsDir(path string) bool {
	if _, _, ok := f.overlaid(path); ok {
		return false
	}
	real, err := resolve(path)
	if err != nil || !f.inside(real) {
		return false
	}
	st, err := os.Stat(real)
	return err == nil && st.IsDir()
}

// ReadDir lists a directory inside root, overlay files included.
func (f *secureFS) ReadDir(path string) ([]string, error) {
	real, err := f.check("read directory", path)
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(real)
	if err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: f.display(path), Err: unwrapPathErr(err)}
	}
	seen := map[string]bool{}
	var names []string
	for _, e := range entries {
		seen[e.Name()] = true
		names = append(names, e.Name())
	}
	f.mu.Lock()
	for p := range f.overlay {
		if filepath.Dir(p) == real && !seen[filepath.Base(p)] {
			names = append(names, filepath.Base(p))
		}
	}
	f.mu.Unlock()
	sort.Strings(names)
	return names, nil
}

// CleanedAbs splits path into a confirmed (resolved) directory and a file name.
func (f *secureFS) CleanedAbs(path string) (filesys.ConfirmedDir, string, error) {
	if _, real, ok := f.overlaid(path); ok {
		return filesys.ConfirmedDir(filepath.Dir(real)), filepath.Base(real), nil
	}
	real, err := f.check("resolve", path)
	if err != nil {
		return "", "", err
	}
	st, err := os.Stat(real)
	if err != nil {
		return "", "", fmt.Errorf("evalsymlink failure on '%s' : %w", f.display(path), unwrapPathErr(err))
	}
	if st.IsDir() {
		return filesys.ConfirmedDir(real), "", nil
	}
	return filesys.ConfirmedDir(filepath.Dir(real)), filepath.Base(real), nil
}

// Glob matches pattern on disk and drops matches outside root and hidden
// files (unless the pattern names hidden files), as kustomize's disk FS does.
func (f *secureFS) Glob(pattern string) ([]string, error) {
	matches, err := filepath.Glob(pattern)
	if err != nil {
		return nil, err
	}
	if !filesys.IsHiddenFilePath(pattern) {
		matches = filesys.RemoveHiddenFiles(matches)
	}
	var out []string
	for _, m := range matches {
		if real, err := resolve(m); err == nil && f.inside(real) {
			out = append(out, m)
		}
	}
	return out, nil
}

// Walk walks the tree under path; any entry that resolves outside root stops
// the walk with a constraint error.
func (f *secureFS) Walk(path string, walkFn filepath.WalkFunc) error {
	if _, err := f.check("walk", path); err != nil {
		return err
	}
	return filepath.Walk(path, func(p string, info os.FileInfo, err error) error {
		if _, cerr := f.check("walk", p); cerr != nil {
			return cerr
		}
		return walkFn(p, info, err)
	})
}

// memFile is a read-only in-memory file.
type memFile struct {
	*bytes.Reader
	name string
	size int64
}

func (m *memFile) Write([]byte) (int, error) {
	return 0, fmt.Errorf("write %s: read-only", m.name)
}
func (m *memFile) Close() error               { return nil }
func (m *memFile) Stat() (os.FileInfo, error) { return memInfo{m.name, m.size}, nil }

type memInfo struct {
	name string
	size int64
}

func (i memInfo) Name() string       { return i.name }
func (i memInfo) Size() int64        { return i.size }
func (i memInfo) Mode() os.FileMode  { return 0o444 }
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return false }
func (i memInfo) Sys() any           { return nil }
