package helm

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"helm.sh/helm/v4/pkg/chart/loader/archive"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/ignore"

	"github.com/tidegitops/tide/renderer/internal/protocol"
)

// Caps on what a render may read, as Flux's source-controller applies them
// (--helm-chart-max-size, --helm-chart-file-max-size) plus a cap on values.
const (
	maxChartArchiveBytes = 10 << 20
	maxChartFileBytes    = 5 << 20
	maxValuesBytes       = 10 << 20
)

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// confinedRoot reads files below one directory only. Paths are checked after
// following symlinks (clear errors), and every read goes through os.Root so
// that a path swapped after the check still cannot leave the root.
type confinedRoot struct {
	dir  string // absolute, symlinks resolved
	root *os.Root
}

func openRoot(dir string) (*confinedRoot, error) {
	if dir == "" || !filepath.IsAbs(dir) {
		return nil, protocol.Errorf(protocol.CodeInvalidRequest, "invalid params: root must be an absolute directory path, got %q", dir)
	}
	resolved, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, protocol.Errorf(protocol.CodeBuildFailed, "root directory %s cannot be opened: %v", dir, unwrapPathError(err))
	}
	r, err := os.OpenRoot(resolved)
	if err != nil {
		return nil, protocol.Errorf(protocol.CodeBuildFailed, "root directory %s cannot be opened: %v", dir, unwrapPathError(err))
	}
	return &confinedRoot{dir: resolved, root: r}, nil
}

func (c *confinedRoot) Close() { _ = c.root.Close() }

// resolve checks that rel (relative to the root, as given by the caller)
// names an existing path inside the root once symlinks are followed, and
// returns that path relative to the root.
func (c *confinedRoot) resolve(rel, what string) (string, fs.FileInfo, error) {
	if rel == "" {
		return "", nil, protocol.Errorf(protocol.CodeInvalidRequest, "invalid params: %s path is empty", what)
	}
	if filepath.IsAbs(rel) || strings.HasPrefix(rel, "/") {
		return "", nil, protocol.Errorf(protocol.CodeSecurityConstraint,
			"%s %q is an absolute path; give a path relative to the source root", what, rel)
	}
	joined := filepath.Join(c.dir, filepath.FromSlash(rel))
	if !within(c.dir, joined) {
		return "", nil, protocol.Errorf(protocol.CodeSecurityConstraint,
			"%s %q points outside the source root; only files inside the source can be used", what, rel)
	}
	inner, info, err := c.follow(joined)
	switch {
	case errors.Is(err, errOutsideRoot):
		return "", nil, protocol.Errorf(protocol.CodeSecurityConstraint,
			"%s %q is a symlink to a path outside the source root; only files inside the source can be used", what, rel)
	case errors.Is(err, fs.ErrNotExist):
		return "", nil, protocol.Errorf(protocol.CodeBuildFailed, "%s %q not found in the source", what, rel)
	case err != nil:
		return "", nil, protocol.Errorf(protocol.CodeBuildFailed, "%s %q cannot be read: %v", what, rel, err)
	}
	return inner, info, nil
}

var errOutsideRoot = errors.New("outside the root")

// follow resolves the symlinks of an absolute path below the root and
// returns the target relative to the root with its (non-link) file info.
func (c *confinedRoot) follow(abs string) (string, fs.FileInfo, error) {
	resolved, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", nil, unwrapPathError(err)
	}
	if !within(c.dir, resolved) {
		return "", nil, errOutsideRoot
	}
	inner, err := filepath.Rel(c.dir, resolved)
	if err != nil {
		return "", nil, err
	}
	info, err := c.root.Lstat(inner)
	if err != nil {
		return "", nil, unwrapPathError(err)
	}
	return inner, info, nil
}

// readFile reads a resolved path, refusing more than limit bytes.
func (c *confinedRoot) readFile(inner, shown string, limit int64, limitName string) ([]byte, error) {
	f, err := c.root.Open(inner)
	if err != nil {
		return nil, protocol.Errorf(protocol.CodeBuildFailed, "%s cannot be read: %v", shown, unwrapPathError(err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, protocol.Errorf(protocol.CodeBuildFailed, "%s cannot be read: %v", shown, unwrapPathError(err))
	}
	if int64(len(data)) > limit {
		return nil, protocol.Errorf(protocol.CodeBuildFailed, "%s is larger than the %s of %s", shown, limitName, formatBytes(limit))
	}
	return data, nil
}

// loadChart loads a chart directory or archive with Helm's loader, reading
// every file through the confined root.
func (c *confinedRoot) loadChart(rel string) (*chart.Chart, error) {
	inner, info, err := c.resolve(rel, "chart")
	if err != nil {
		return nil, err
	}
	var ch *chart.Chart
	if info.IsDir() {
		files, err := c.readChartDir(inner, rel)
		if err != nil {
			return nil, err
		}
		ch, err = loader.LoadFiles(files)
		if err != nil {
			return nil, protocol.Errorf(protocol.CodeBuildFailed, "chart %s cannot be loaded: %v", rel, err)
		}
	} else {
		ch, err = c.loadChartArchive(inner, rel, info)
		if err != nil {
			return nil, err
		}
	}
	if err := checkChartFileSizes(ch, ""); err != nil {
		return nil, protocol.Errorf(protocol.CodeBuildFailed, "chart %s: %v", rel, err)
	}
	return ch, nil
}

func (c *confinedRoot) loadChartArchive(inner, rel string, info fs.FileInfo) (*chart.Chart, error) {
	if !info.Mode().IsRegular() {
		return nil, protocol.Errorf(protocol.CodeBuildFailed, "chart %s is neither a directory nor a regular file", rel)
	}
	if info.Size() > maxChartArchiveBytes {
		return nil, protocol.Errorf(protocol.CodeBuildFailed,
			"chart archive %s is %s, larger than the chart size limit of %s", rel, formatBytes(info.Size()), formatBytes(maxChartArchiveBytes))
	}
	data, err := c.readFile(inner, "chart archive "+rel, maxChartArchiveBytes, "chart size limit")
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(data, []byte("\x1F\x8B\x08")) {
		return nil, protocol.Errorf(protocol.CodeBuildFailed,
			"chart %s is not a chart directory or a gzipped chart archive (.tgz)", rel)
	}
	ch, err := loader.LoadArchive(bytes.NewReader(data))
	if err != nil {
		return nil, protocol.Errorf(protocol.CodeBuildFailed, "chart archive %s cannot be loaded: %v", rel, err)
	}
	return ch, nil
}

// readChartDir walks a chart directory the way Helm's directory loader does
// (lexical order, .helmignore rules, symlinks followed), refusing symlinks
// that lead out of the root, irregular files and oversized files.
func (c *confinedRoot) readChartDir(top, rel string) ([]*archive.BufferedFile, error) {
	rules := ignore.Empty()
	if _, err := c.root.Lstat(filepath.Join(top, ignore.HelmIgnore)); err == nil {
		ignRel := path.Join(rel, ignore.HelmIgnore)
		ignInner, info, err := c.resolve(ignRel, "chart file")
		if err != nil {
			return nil, err
		}
		if !info.Mode().IsRegular() {
			return nil, protocol.Errorf(protocol.CodeBuildFailed, "chart file %s is not a regular file", ignRel)
		}
		data, err := c.readFile(ignInner, "chart file "+ignRel, maxChartFileBytes, "chart file size limit")
		if err != nil {
			return nil, err
		}
		rules, err = ignore.Parse(bytes.NewReader(data))
		if err != nil {
			return nil, protocol.Errorf(protocol.CodeBuildFailed, "chart file %s cannot be parsed: %v", ignRel, err)
		}
	}
	rules.AddDefaults()

	w := &chartWalker{c: c, chartRel: rel, rules: rules, budget: archive.MaxDecompressedChartSize, active: map[string]bool{}}
	if err := w.walkDir(top, ""); err != nil {
		return nil, err
	}
	return w.files, nil
}

type chartWalker struct {
	c        *confinedRoot
	chartRel string
	rules    *ignore.Rules
	budget   int64
	active   map[string]bool // directories on the current walk path (symlink cycles)
	files    []*archive.BufferedFile
}

// walkDir visits the directory at inner (relative to the root, symlinks
// resolved); name is its path inside the chart ("" for the chart itself).
func (w *chartWalker) walkDir(inner, name string) error {
	if w.active[inner] {
		return protocol.Errorf(protocol.CodeBuildFailed, "chart %s: symlink loop at %s (it leads back to a directory that contains it); remove the link", w.chartRel, name)
	}
	w.active[inner] = true
	defer delete(w.active, inner)

	dir, err := w.c.root.Open(inner)
	if err != nil {
		return protocol.Errorf(protocol.CodeBuildFailed, "chart %s: directory %s cannot be read: %v", w.chartRel, shownName(name), unwrapPathError(err))
	}
	entries, err := dir.ReadDir(-1)
	dir.Close()
	if err != nil {
		return protocol.Errorf(protocol.CodeBuildFailed, "chart %s: directory %s cannot be read: %v", w.chartRel, shownName(name), unwrapPathError(err))
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	for _, e := range entries {
		if err := w.visit(filepath.Join(inner, e.Name()), path.Join(name, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

func (w *chartWalker) visit(inner, name string) error {
	info, err := w.c.root.Lstat(inner)
	if err != nil {
		return protocol.Errorf(protocol.CodeBuildFailed, "chart %s: %s cannot be read: %v", w.chartRel, name, unwrapPathError(err))
	}
	if info.Mode()&fs.ModeSymlink != 0 {
		resolved, rinfo, err := w.c.follow(filepath.Join(w.c.dir, inner))
		switch {
		case errors.Is(err, errOutsideRoot):
			return protocol.Errorf(protocol.CodeSecurityConstraint,
				"chart %s: %s is a symlink to a path outside the source root; only files inside the source can be used", w.chartRel, name)
		case err != nil:
			return protocol.Errorf(protocol.CodeBuildFailed, "chart %s: error evaluating symlink %s: %v", w.chartRel, name, err)
		}
		inner, info = resolved, rinfo
	}
	if info.IsDir() {
		if w.rules.Ignore(name, info) {
			return nil
		}
		return w.walkDir(inner, name)
	}
	if w.rules.Ignore(name, info) {
		return nil
	}
	if !info.Mode().IsRegular() {
		return protocol.Errorf(protocol.CodeBuildFailed,
			"chart %s: cannot load irregular file %s as it has file mode type bits set", w.chartRel, name)
	}
	if info.Size() > maxChartFileBytes {
		return protocol.Errorf(protocol.CodeBuildFailed,
			"chart %s: file %s is %s, larger than the chart file size limit of %s", w.chartRel, name, formatBytes(info.Size()), formatBytes(maxChartFileBytes))
	}
	if info.Size() > w.budget {
		return protocol.Errorf(protocol.CodeBuildFailed,
			"chart %s is larger than the maximum chart size of %s", w.chartRel, formatBytes(archive.MaxDecompressedChartSize))
	}
	data, err := w.c.readFile(inner, "chart file "+path.Join(w.chartRel, name), maxChartFileBytes, "chart file size limit")
	if err != nil {
		return err
	}
	w.budget -= int64(len(data))
	w.files = append(w.files, &archive.BufferedFile{Name: name, ModTime: info.ModTime(), Data: bytes.TrimPrefix(data, utf8BOM)})
	return nil
}

// checkChartFileSizes applies the per-file cap to every file of the chart
// and its subcharts (archives nested in charts/ are unpacked by Helm).
func checkChartFileSizes(ch *chart.Chart, prefix string) error {
	for _, f := range ch.Raw {
		if len(f.Data) > maxChartFileBytes {
			return fmt.Errorf("file %s is %s, larger than the chart file size limit of %s",
				path.Join(prefix, f.Name), formatBytes(int64(len(f.Data))), formatBytes(maxChartFileBytes))
		}
	}
	for _, dep := range ch.Dependencies() {
		if err := checkChartFileSizes(dep, path.Join(prefix, "charts", dep.Name())); err != nil {
			return err
		}
	}
	return nil
}

// readValuesFiles reads the values files in order, merged like `helm -f`.
// It returns the merged map and the number of bytes read.
func (c *confinedRoot) readValuesFiles(rels []string) (map[string]any, int64, error) {
	base := map[string]any{}
	var total int64
	for _, rel := range rels {
		inner, info, err := c.resolve(rel, "values file")
		if err != nil {
			return nil, 0, err
		}
		if !info.Mode().IsRegular() {
			return nil, 0, protocol.Errorf(protocol.CodeBuildFailed, "values file %s is not a regular file", rel)
		}
		if total+info.Size() > maxValuesBytes {
			return nil, 0, valuesTooLarge()
		}
		data, err := c.readFile(inner, "values file "+rel, maxValuesBytes-total, "remaining values size limit")
		if err != nil {
			return nil, 0, err
		}
		total += int64(len(data))
		current, err := loader.LoadValues(bytes.NewReader(data))
		if err != nil {
			return nil, 0, protocol.Errorf(protocol.CodeBuildFailed, "failed to parse values file %s: %v", rel, err)
		}
		base = loader.MergeMaps(base, current)
	}
	return base, total, nil
}

func valuesTooLarge() error {
	return protocol.Errorf(protocol.CodeBuildFailed,
		"values files and inline values together are larger than the values size limit of %s", formatBytes(maxValuesBytes))
}

func within(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	if err != nil {
		return false
	}
	return rel == "." || (rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)))
}

// unwrapPathError drops the absolute path from *fs.PathError messages; the
// caller names the path relative to the root instead.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func shownName(name string) string {
	if name == "" {
		return "."
	}
	return name
}

func formatBytes(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	if n >= 1<<20 {
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d bytes", n)
}
