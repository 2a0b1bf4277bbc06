// apiextensions.k8s.io/CustomResourceDefinition: Established is current;
// names that conflict (NamesAccepted=False), or Established=False for any
// reason but Installing, fail.
import type { KubeObject } from '../../api/object.js';
import { findCondition } from '../fields.js';
import type { HealthResult } from '../status.js';

export function customResourceDefinitionHealth(obj: KubeObject): HealthResult {
  const names = findCondition(obj, 'NamesAccepted');
  if (names?.status === 'False') {
    return {
      status: 'Failed',
      message: `CustomResourceDefinition names are not accepted: ${names.message || names.reason}`,
    };
  }
  const established = findCondition(obj, 'Established');
  if (established?.status === 'True')
    return { status: 'Current', message: 'CustomResourceDefinition is established' };
  if (established?.status === 'False' && established.reason !== 'Installing') {
    return {
      status: 'Failed',
      message: `CustomResourceDefinition is not established: ${established.message || established.reason}`,
    };
  }
  return { status: 'InProgress', message: 'CustomResourceDefinition is being installed' };
}
