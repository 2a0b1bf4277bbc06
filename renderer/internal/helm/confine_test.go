package helm

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sandbox copies the test sources into <tmp>/root and returns the root and
// a directory next to it (outside the root).
func sandbox(t *testing.T) (root, outside string) {
	t.Helper()
	base := t.TempDir()
	root, outside = filepath.Join(base, "root"), filepath.Join(base, "outside")
	copyTree(t, srcRoot(t), root)
	writeFile(t, filepath.Join(outside, "values.yaml"), "replicaCount: 9\n")
	writeFile(t, filepath.Join(outside, "secret.yaml"), "apiVersion: v1\nkind: Secret\nmetadata:\n  name: stolen\n")
	writeFile(t, filepath.Join(outside, "chart", "Chart.yaml"), "apiVersion: v2\nname: outside\nversion: 0.1.0\n")
	return root, outside
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

func TestConfinement(t *testing.T) {
	cases := []struct {
		name     string
		setup    func(t *testing.T, root, outside string)
		chart    string
		values   []string
		wantCode string
		wantMsg  string
	}{
		{
			name: "template symlinked out of the root",
			setup: func(t *testing.T, root, outside string) {
				symlink(t, filepath.Join(outside, "secret.yaml"), filepath.Join(root, "app/templates/evil.yaml"))
			},
			chart: "app", wantCode: "SecurityConstraint", wantMsg: "chart app: templates/evil.yaml is a symlink to a path outside the source root",
		},
		{
			name:  "directory symlinked out of the root",
			setup: func(t *testing.T, root, outside string) { symlink(t, outside, filepath.Join(root, "app/files/linked")) },
			chart: "app", wantCode: "SecurityConstraint", wantMsg: "files/linked is a symlink to a path outside the source root",
		},
		{
			name: "relative symlink climbing out",
			setup: func(t *testing.T, root, outside string) {
				symlink(t, "../../../outside/secret.yaml", filepath.Join(root, "app/templates/evil.yaml"))
			},
			chart: "app", wantCode: "SecurityConstraint", wantMsg: "templates/evil.yaml is a symlink to a path outside",
		},
		{
			name: "chart symlinked out of the root",
			setup: func(t *testing.T, root, outside string) {
				symlink(t, filepath.Join(outside, "chart"), filepath.Join(root, "linked-chart"))
			},
			chart: "linked-chart", wantCode: "SecurityConstraint", wantMsg: `chart "linked-chart" is a symlink to a path outside the source root`,
		},
		{name: "chart path with ..", chart: "../outside/chart", wantCode: "SecurityConstraint", wantMsg: `chart "../outside/chart" points outside the source root`},
		{name: "absolute chart path", chart: "/etc", wantCode: "SecurityConstraint", wantMsg: `chart "/etc" is an absolute path`},
		{
			name: "values file with ..", chart: "app", values: []string{"values/../../outside/values.yaml"},
			wantCode: "SecurityConstraint", wantMsg: `values file "values/../../outside/values.yaml" points outside the source root`,
		},
		{
			name: "values file symlinked out of the root",
			setup: func(t *testing.T, root, outside string) {
				symlink(t, filepath.Join(outside, "values.yaml"), filepath.Join(root, "values/linked.yaml"))
			},
			chart: "app", values: []string{"values/linked.yaml"},
			wantCode: "SecurityConstraint", wantMsg: `values file "values/linked.yaml" is a symlink to a path outside the source root`,
		},
		{name: "absolute values path", chart: "app", values: []string{"/etc/passwd"}, wantCode: "SecurityConstraint", wantMsg: `values file "/etc/passwd" is an absolute path`},
		{name: "missing values file", chart: "app", values: []string{"values/nope.yaml"}, wantCode: "BuildFailed", wantMsg: `values file "values/nope.yaml" not found`},
		{name: "missing chart", chart: "nope", wantCode: "BuildFailed", wantMsg: `chart "nope" not found`},
		{
			name:  "symlink loop",
			setup: func(t *testing.T, root, outside string) { symlink(t, "..", filepath.Join(root, "app/files/loop")) },
			chart: "app", wantCode: "BuildFailed", wantMsg: "symlink loop at files/loop",
		},
		{
			name: "irregular file",
			setup: func(t *testing.T, root, outside string) {
				if err := mkfifo(filepath.Join(root, "app/files/pipe")); err != nil {
					t.Skip("mkfifo:", err)
				}
			},
			chart: "app", wantCode: "BuildFailed", wantMsg: "cannot load irregular file files/pipe",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root, outside := sandbox(t)
			if c.setup != nil {
				c.setup(t, root, outside)
			}
			p := map[string]any{"root": root, "chart": c.chart, "releaseName": "demo", "namespace": "apps",
				"capabilities": map[string]any{"kubeVersion": testKubeVersion}}
			if c.values != nil {
				p["valuesFiles"] = c.values
			}
			_, err := renderWith(t, nil, p)
			t.Logf("%s: %v", errCode(err), err)
			if errCode(err) != c.wantCode || !strings.Contains(err.Error(), c.wantMsg) {
				t.Fatalf("err = %v (%s), want %s containing %q", err, errCode(err), c.wantCode, c.wantMsg)
			}
			if strings.Contains(err.Error(), outside) {
				t.Errorf("error reveals the host path: %v", err)
			}
		})
	}
}

// Symlinks that stay inside the root are followed, as Helm does.
func TestSymlinksInsideRoot(t *testing.T) {
	root, _ := sandbox(t)
	writeFile(t, filepath.Join(root, "shared/extra.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\n")
	symlink(t, "../../shared/extra.yaml", filepath.Join(root, "app/templates/shared.yaml"))
	symlink(t, filepath.Join(root, "values/prod.yaml"), filepath.Join(root, "values/current.yaml"))
	symlink(t, "app", filepath.Join(root, "app-link"))
	res, err := renderWith(t, nil, map[string]any{"root": root, "chart": "app-link", "valuesFiles": []string{"values/current.yaml"},
		"releaseName": "demo", "namespace": "apps", "capabilities": map[string]any{"kubeVersion": testKubeVersion}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Manifest, "# Source: app/templates/shared.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared") {
		t.Errorf("symlinked template missing")
	}
	if !strings.Contains(res.Manifest, "replicas: 3") {
		t.Errorf("symlinked values file not applied")
	}
}

func TestCaps(t *testing.T) {
	t.Run("chart file over 5 MiB", func(t *testing.T) {
		root, _ := sandbox(t)
		writeFile(t, filepath.Join(root, "app/files/big.bin"), strings.Repeat("x", 5<<20+1))
		_, err := renderWith(t, nil, map[string]any{"root": root, "chart": "app", "releaseName": "demo"})
		if errCode(err) != "BuildFailed" || !strings.Contains(err.Error(), "files/big.bin is 5.0 MiB, larger than the chart file size limit of 5 MiB") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("chart archive over 10 MiB", func(t *testing.T) {
		root, _ := sandbox(t)
		big := append([]byte("\x1F\x8B\x08"), make([]byte, 10<<20)...)
		writeFile(t, filepath.Join(root, "big-1.0.0.tgz"), string(big))
		_, err := renderWith(t, nil, map[string]any{"root": root, "chart": "big-1.0.0.tgz", "releaseName": "demo"})
		if errCode(err) != "BuildFailed" || !strings.Contains(err.Error(), "larger than the chart size limit of 10 MiB") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("file over 5 MiB inside an archive", func(t *testing.T) {
		root, _ := sandbox(t)
		noise := make([]byte, 5<<20+10)
		_, _ = rand.Read(noise)
		var tgz bytes.Buffer
		writeTgz(t, &tgz, map[string]string{
			"big/Chart.yaml":      "apiVersion: v2\nname: big\nversion: 1.0.0\n",
			"big/files/noise.bin": string(noise),
		})
		writeFile(t, filepath.Join(root, "big.tgz"), tgz.String())
		_, err := renderWith(t, nil, map[string]any{"root": root, "chart": "big.tgz", "releaseName": "demo"})
		if tgz.Len() > 10<<20 {
			if !strings.Contains(err.Error(), "chart size limit") {
				t.Fatalf("err = %v", err)
			}
			return
		}
		if errCode(err) != "BuildFailed" || !strings.Contains(err.Error(), "file files/noise.bin is 5.0 MiB, larger than the chart file size limit of 5 MiB") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("values over 10 MiB", func(t *testing.T) {
		root, _ := sandbox(t)
		line := "k: " + strings.Repeat("v", 1000) + "\n"
		writeFile(t, filepath.Join(root, "values/a.yaml"), strings.Repeat(line, 6<<10))
		writeFile(t, filepath.Join(root, "values/b.yaml"), strings.Repeat(line, 6<<10))
		_, err := renderWith(t, nil, map[string]any{"root": root, "chart": "app", "releaseName": "demo",
			"valuesFiles": []string{"values/a.yaml", "values/b.yaml"}})
		if errCode(err) != "BuildFailed" || !strings.Contains(err.Error(), "values size limit of 10 MiB") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("inline values push over 10 MiB", func(t *testing.T) {
		root, _ := sandbox(t)
		line := "k: " + strings.Repeat("v", 1000) + "\n"
		writeFile(t, filepath.Join(root, "values/a.yaml"), strings.Repeat(line, 9<<10))
		_, err := renderWith(t, nil, map[string]any{"root": root, "chart": "app", "releaseName": "demo",
			"valuesFiles": []string{"values/a.yaml"}, "values": map[string]any{"x": strings.Repeat("y", 2<<20)}})
		if errCode(err) != "BuildFailed" || !strings.Contains(err.Error(), "values size limit of 10 MiB") {
			t.Fatalf("err = %v", err)
		}
	})
}

// Values may hold secrets: errors about them must not print them.
func TestErrorsDoNotPrintValues(t *testing.T) {
	const canary = "canary-7f3a9c-secret"
	root, _ := sandbox(t)
	writeFile(t, filepath.Join(root, "values/bad.yaml"), "password: "+canary+"\n  broken: [\n")
	for name, p := range map[string]map[string]any{
		"unparsable values file": {"valuesFiles": []string{"values/bad.yaml"}},
		"schema violation":       {"values": map[string]any{"replicaCount": canary, "image": map[string]any{"repository": 5}}},
		"required":               {"values": map[string]any{"requiredName": "", "password": canary}},
		"schema pattern":         {"values": map[string]any{"apiKey": canary}},
	} {
		p["root"], p["chart"], p["releaseName"] = root, "app", "demo"
		p["capabilities"] = map[string]any{"kubeVersion": testKubeVersion}
		_, err := renderWith(t, nil, p)
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if strings.Contains(err.Error(), canary) {
			t.Errorf("%s: error prints a value: %v", name, err)
		}
	}
}

// Schema errors are Helm's, except that a value echoed by a pattern
// failure is replaced by "value".
func TestSchemaPatternErrorIsRedacted(t *testing.T) {
	const canary = "Canary'Secret-42"
	root := srcRoot(t)
	c := fidelityCase{chart: "app", release: "demo", namespace: "apps", values: map[string]any{"apiKey": canary}}
	_, helmErr := runHelm(t, root, c.helmArgs()...)
	if !strings.Contains(helmErr, "does not match pattern") || !strings.Contains(helmErr, "Canary") {
		t.Fatalf("helm error = %q", helmErr)
	}
	_, err := renderWith(t, nil, c.params(root))
	if err == nil {
		t.Fatal("no error")
	}
	want := strings.Replace(helmErr, `'Canary\'Secret-42'`, "value", 1)
	if got := strings.TrimSpace(err.Error()); got != want {
		t.Fatalf("error:\n got %s\nwant %s", got, want)
	}
}

func TestTplErrorsDoNotPrintValues(t *testing.T) {
	const canary = "canary-5b1d-secret"
	for name, greeting := range map[string]string{
		"execution": "password: " + canary + " {{ .Values.nope.deeper }}",
		"parse":     "password: " + canary + " {{ if }}",
	} {
		p := baseParams(t)
		p["values"] = map[string]any{"greeting": greeting}
		_, err := renderWith(t, nil, p)
		if err == nil || errCode(err) != "BuildFailed" {
			t.Fatalf("%s: err = %v", name, err)
		}
		t.Log(err)
		if strings.Contains(err.Error(), canary) || !strings.Contains(err.Error(), "<the text given to tpl>") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
