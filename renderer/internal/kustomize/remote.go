package kustomize

import (
	"net/url"
	"regexp"
	"strings"
)

// isRemoteFile reports whether kustomize would fetch entry over HTTP when
// it loads it as a file (patch paths, generator sources, crds, ...).
func isRemoteFile(entry string) bool {
	u, err := url.Parse(entry)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https")
}

var (
	schemePrefix = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://`)
	userPrefix   = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]*@`)
)

// isRemoteBase reports whether kustomize would clone or fetch entry when it
// loads it as a resource, base or component: any URL with a scheme (https,
// ssh, file, ...), a git:: or user@host form, the github.com/ shorthand.
// This covers everything kustomize's repospec parser accepts, and a little
// more, so no such entry reaches kustomize while remote bases are off.
func isRemoteBase(entry string) bool {
	e := strings.TrimSpace(entry)
	lower := strings.ToLower(e)
	lower = strings.TrimPrefix(lower, "git::")
	switch {
	case schemePrefix.MatchString(lower):
		return true
	case userPrefix.MatchString(lower):
		return true
	case strings.HasPrefix(lower, "github.com/"), strings.HasPrefix(lower, "github.com:"):
		return true
	}
	return isRemoteFile(e)
}

// isLocalRelative reports whether a spec component path is a local,
// relative path (Flux refuses anything else).
func isLocalRelative(p string) bool {
	return p != "" && !strings.HasPrefix(p, "/") && !isRemoteBase(p)
}
