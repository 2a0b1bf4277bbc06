package supervisor

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// registerNodes creates the simulated nodes that kwok manages.
func registerNodes(ctx context.Context, kubeconfig string, count int) (kubernetes.Interface, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, err
	}
	cfg.QPS, cfg.Burst = 50, 100
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	for i := range count {
		node := &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{
				Name:        fmt.Sprintf("tide-node-%d", i),
				Annotations: map[string]string{"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
				Labels: map[string]string{
					"kubernetes.io/hostname": fmt.Sprintf("tide-node-%d", i),
					"kubernetes.io/os":       "linux", "kubernetes.io/arch": "amd64",
					"type": "kwok",
				},
			},
			Status: corev1.NodeStatus{
				Capacity: corev1.ResourceList{
					corev1.ResourceCPU:    resource.MustParse("32"),
					corev1.ResourceMemory: resource.MustParse("256Gi"),
					corev1.ResourcePods:   resource.MustParse("1000"),
				},
				Allocatable: corev1.ResourceList{
					corev1.ResourceCPU:    resource.MustParse("32"),
					corev1.ResourceMemory: resource.MustParse("256Gi"),
					corev1.ResourcePods:   resource.MustParse("1000"),
				},
				NodeInfo: corev1.NodeSystemInfo{KubeletVersion: "fake", OperatingSystem: "linux", Architecture: "amd64"},
			},
		}
		if _, err := client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return nil, fmt.Errorf("create node %s: %w", node.Name, err)
		}
	}
	return client, nil
}

// waitNodesReady waits until every node reports Ready, which shows kwok works.
func waitNodesReady(ctx context.Context, client kubernetes.Interface, kwok *child, count int) error {
	var last string
	for {
		nodes, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err == nil {
			ready := 0
			for _, n := range nodes.Items {
				for _, c := range n.Status.Conditions {
					if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
						ready++
					}
				}
			}
			if ready >= count {
				return nil
			}
			last = fmt.Sprintf("%d of %d nodes Ready", ready, count)
		} else {
			last = err.Error()
		}
		select {
		case <-kwok.done:
			return &componentError{kwok.name, kwok.logPath, fmt.Sprintf("exited before nodes were Ready (%v)", kwok.err)}
		case <-ctx.Done():
			return &componentError{kwok.name, kwok.logPath, "did not make the nodes Ready in time: " + last}
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// waitDefaultServiceAccount waits for the controller-manager's serviceaccount
// controller to create `default` in the default namespace: pods need it.
func waitDefaultServiceAccount(ctx context.Context, client kubernetes.Interface, kcm *child) error {
	for {
		_, err := client.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{})
		if err == nil {
			return nil
		}
		select {
		case <-kcm.done:
			return &componentError{kcm.name, kcm.logPath, fmt.Sprintf("exited (%v)", kcm.err)}
		case <-ctx.Done():
			return &componentError{kcm.name, kcm.logPath, "did not create the default ServiceAccount in time: " + err.Error()}
		case <-time.After(200 * time.Millisecond):
		}
	}
}
