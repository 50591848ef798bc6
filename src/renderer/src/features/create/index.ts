export { CreateWizard } from './CreateWizard';
export { buildCreateRequest, type WizardForm } from './create-request';
