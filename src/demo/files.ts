// The demo application the default run syncs: a Deployment, a Service and a ConfigMap
// in a base, and an overlay that puts them in their own namespace and changes a value,
// so the first edit a user tries (the greeting, the replica count) is one line.
export const DEMO_PATH = './apps/demo/overlays/local';
export const DEMO_NAMESPACE = 'demo';

export const demoFiles: Readonly<Record<string, string>> = {
  'README.md': `# Tide demo

Tide syncs \`${DEMO_PATH}\` of this repository into the namespace \`${DEMO_NAMESPACE}\`.

Try: change the greeting in apps/demo/overlays/local/configmap-patch.yaml (or the replicas in
apps/demo/overlays/local/kustomization.yaml), then \`git commit -am "my change"\`. A hook pushes the
commit to the git server tide runs, and the change is applied within seconds:

    tide get kustomizations --watch
    kubectl -n ${DEMO_NAMESPACE} get configmap demo -o yaml
`,
  'apps/demo/base/kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - deployment.yaml
  - service.yaml
  - configmap.yaml
labels:
  - pairs:
      app.kubernetes.io/name: demo
    includeSelectors: true
`,
  'apps/demo/base/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: demo
spec:
  replicas: 1
  template:
    spec:
      containers:
        - name: web
          image: ghcr.io/stefanprodan/podinfo:6.9.2
          ports:
            - name: http
              containerPort: 9898
          env:
            - name: PODINFO_UI_MESSAGE
              valueFrom:
                configMapKeyRef:
                  name: demo
                  key: greeting
          readinessProbe:
            httpGet:
              path: /readyz
              port: http
          resources:
            requests:
              cpu: 10m
              memory: 32Mi
`,
  'apps/demo/base/service.yaml': `apiVersion: v1
kind: Service
metadata:
  name: demo
spec:
  ports:
    - name: http
      port: 80
      targetPort: http
`,
  'apps/demo/base/configmap.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: demo
data:
  greeting: Hello from the base
`,
  'apps/demo/overlays/local/kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: ${DEMO_NAMESPACE}
resources:
  - namespace.yaml
  - ../../base
patches:
  - path: configmap-patch.yaml
replicas:
  - name: demo
    count: 2
`,
  'apps/demo/overlays/local/namespace.yaml': `apiVersion: v1
kind: Namespace
metadata:
  name: ${DEMO_NAMESPACE}
`,
  'apps/demo/overlays/local/configmap-patch.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: demo
data:
  greeting: Hello from Tide
`,
};
