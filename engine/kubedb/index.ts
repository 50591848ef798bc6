/**
 * Everything KubeDB-specific, pure: manifest builders per engine, OpsRequest builders and status
 * readers, KubeDB phase -> product status, catalog versions and upgrade targets, live-state drift,
 * and KubeStash backup objects. No I/O: the kube layer applies and watches what these build and read.
 */
export * from './types';
export * from './names';
export * from './manifests';
export * from './ops';
export * from './status';
export * from './replica-roles';
export * from './semver';
export * from './catalog';
export * from './live';
export * from './drift';
export * from './kubestash';
