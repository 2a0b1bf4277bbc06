// core/Service: a LoadBalancer Service waits for its load balancer's address
// (ip or hostname in status.loadBalancer.ingress); other types are current at
// once. kstatus only checks the cluster IP, which the API server assigns on
// create, so it never waits for the load balancer.
import type { KubeObject } from '../../api/object.js';
import { arrayAt, stringAt } from '../fields.js';
import type { HealthResult } from '../status.js';

export function serviceHealth(obj: KubeObject): HealthResult {
  const type = stringAt(obj, 'spec.type', 'ClusterIP');
  if (type !== 'LoadBalancer') return { status: 'Current', message: `Service (${type}) is ready` };
  const addresses = arrayAt(obj, 'status.loadBalancer.ingress')
    .map((i) => stringAt(i, 'ip') || stringAt(i, 'hostname'))
    .filter((a) => a !== '');
  if (addresses.length === 0) {
    return { status: 'InProgress', message: 'Service is waiting for a load balancer address' };
  }
  return { status: 'Current', message: `Service load balancer is ready at ${addresses.join(', ')}` };
}
