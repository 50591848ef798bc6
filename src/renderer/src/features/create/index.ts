export { CreateProgress } from './CreateProgress';
export { CreateWizard } from './CreateWizard';
export { buildCreateRequest, type WizardForm } from './create-request';
