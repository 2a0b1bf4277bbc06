package kustomize

import (
	"context"
	"errors"
	"path/filepath"
	"strings"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	kustypes "sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/openapi"

	"github.com/tidegitops/tide/renderer/internal/kustengine"
	"github.com/tidegitops/tide/renderer/internal/protocol"
)

// Generate returns the effective kustomization.yaml for p.
func Generate(ctx context.Context, p *Params) ([]byte, error) {
	release, err := kustengine.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	openapi.ResetOpenAPI()
	_, _, content, err := prepare(ctx, p)
	return content, err
}

// prepare resolves the build directory, builds the effective kustomization
// into the overlay of a fresh secure filesystem and scans the tree.
func prepare(ctx context.Context, p *Params) (*secureFS, string, []byte, error) {
	fsys, err := newSecureFS(p.Root, p.AllowRemoteBases)
	if err != nil {
		return nil, "", nil, err
	}
	dir, err := buildDir(fsys, p.Path)
	if err != nil {
		return nil, "", nil, err
	}
	kfile, content, err := effectiveKustomization(fsys, dir, &p.Spec)
	if err != nil {
		return nil, "", nil, fsys.preferFatal(err)
	}
	if err := fsys.put(kfile, content); err != nil {
		return nil, "", nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, "", nil, err
	}
	if err := scanTree(fsys, dir, p.AllowRemoteBases); err != nil {
		return nil, "", nil, fsys.preferFatal(err)
	}
	return fsys, dir, content, nil
}

// buildDir resolves spec.path inside root.
func buildDir(fsys *secureFS, path string) (string, error) {
	if filepath.IsAbs(path) {
		return "", protocol.Errorf(protocol.CodeInvalidRequest, "path %q must be relative to the artifact root", path)
	}
	dir := filepath.Join(fsys.real, path)
	if !fsys.insideLexically(dir) {
		return "", protocol.Errorf(protocol.CodeSecurityConstraint,
			"fs-security-constraint: spec.path %q points outside the artifact root", path)
	}
	real, err := fsys.check("build", dir)
	if err != nil {
		return "", err
	}
	if !fsys.IsDir(real) {
		return "", protocol.Errorf(protocol.CodeBuildFailed,
			"kustomization path not found: %q is not a directory in the source artifact; check spec.path", path)
	}
	return real, nil
}

// Build renders p: the bytes `kustomize build` prints for the effective
// kustomization, decrypted when p.Decryption is set.
func Build(ctx context.Context, p *Params) ([]byte, error) {
	release, err := kustengine.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	openapi.ResetOpenAPI()
	defer openapi.ResetOpenAPI()

	fsys, dir, _, err := prepare(ctx, p)
	if err != nil {
		return nil, err
	}
	var dec *decrypter
	var orig origins
	if p.Decryption != nil {
		dec = newDecrypter(p.Decryption)
		if orig, err = decryptSources(ctx, fsys, dir, dec); err != nil {
			return nil, scrub(fsys, dec, fsys.preferFatal(err))
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m, err := runKustomize(fsys, dir)
	if err != nil {
		return nil, scrub(fsys, dec, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := validateObjects(m); err != nil {
		return nil, err
	}
	if dec != nil {
		if err := decryptResources(ctx, m, dec, orig); err != nil {
			return nil, scrub(fsys, dec, err)
		}
	} else if err := rejectEncrypted(m, func() origins { return encryptedOrigins(ctx, fsys, dir) }); err != nil {
		return nil, err
	}
	out, err := m.AsYaml()
	if err != nil {
		return nil, scrub(fsys, dec, protocol.Errorf(protocol.CodeBuildFailed, "cannot write the build output: %v", err))
	}
	if int64(len(out)) > p.maxOutput() {
		return nil, protocol.Errorf(protocol.CodeBuildFailed,
			"the build output is %d bytes, over the %d byte limit; split the Kustomization", len(out), p.maxOutput())
	}
	return out, nil
}

// runKustomize is Flux's build: builtin plugins only, files may be loaded
// from anywhere inside the (secure) filesystem.
func runKustomize(fsys *secureFS, dir string) (m resmap.ResMap, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, protocol.Errorf(protocol.CodePanic, "recovered from a kustomize build panic: %v", r)
		}
	}()
	k := krusty.MakeKustomizer(&krusty.Options{
		// The CLI's default order (Flux leaves the zero value: input order).
		Reorder:          krusty.ReorderOptionUnspecified,
		LoadRestrictions: kustypes.LoadRestrictionsNone,
		PluginConfig:     kustypes.DisabledPluginConfig(),
	})
	m, err = k.Run(fsys, dir)
	if err != nil {
		return nil, fsys.preferFatal(classify(err))
	}
	// kustomize may fall back after a refusal (a file tried as a directory);
	// a refused path still fails the build.
	if fatal := fsys.firstFatal(); fatal != nil && fatal.Code == protocol.CodeSecurityConstraint {
		return nil, fatal
	}
	return m, nil
}

// classify gives kustomize's own refusals of plugins and Helm a security code.
func classify(err error) error {
	msg := err.Error()
	switch {
	case kustypes.IsErrOnlyBuiltinPluginsAllowed(err), strings.Contains(msg, "external plugins disabled"):
		return protocol.Errorf(protocol.CodeSecurityConstraint, "kustomize build refused a plugin: %s; Tide allows builtin plugins only", msg)
	case strings.Contains(msg, "must specify --enable-helm"):
		return protocol.Errorf(protocol.CodeSecurityConstraint, "kustomize build refused a Helm chart: %s; Tide does not run helm from kustomize: use a HelmRelease", msg)
	}
	return protocol.Errorf(protocol.CodeBuildFailed, "kustomize build failed: %s", msg)
}

// preferFatal returns the first security refusal or guard failure the
// filesystem recorded, when there is one: kustomize wraps such errors in
// messages about what it tried next.
func (f *secureFS) preferFatal(err error) error {
	if fatal := f.firstFatal(); fatal != nil {
		var pe *protocol.Error
		if !errors.As(err, &pe) || pe.Code != protocol.CodeSecurityConstraint {
			return fatal
		}
	}
	return err
}

// scrub makes paths relative to the artifact root and removes decrypted
// values from an error message.
func scrub(fsys *secureFS, dec *decrypter, err error) error {
	var pe *protocol.Error
	if !errors.As(err, &pe) {
		return err
	}
	msg := pe.Message
	for _, r := range []string{fsys.real, fsys.given} {
		msg = strings.ReplaceAll(msg, r+string(filepath.Separator), "")
		msg = strings.ReplaceAll(msg, r, ".")
	}
	return &protocol.Error{Code: pe.Code, Message: dec.redact(msg)}
}

// validateObjects rejects objects without apiVersion, kind or name.
func validateObjects(m resmap.ResMap) error {
	for _, res := range m.Resources() {
		if res.GetApiVersion() == "" || res.GetKind() == "" || res.GetName() == "" {
			return protocol.Errorf(protocol.CodeBuildFailed,
				"an object in the build output has no apiVersion, kind or metadata.name (apiVersion %q, kind %q, name %q, namespace %q); every manifest needs all three",
				res.GetApiVersion(), res.GetKind(), res.GetName(), res.GetNamespace())
		}
	}
	return nil
}
