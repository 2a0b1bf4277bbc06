// Where the Kustomization controller's own kind lives on the API server.
import { KustomizationKind } from '../../../api/kustomize/kustomization.js';
import { resourceFor } from '../../../runtime/client/resource.js';

export const Kustomizations = resourceFor(KustomizationKind);
