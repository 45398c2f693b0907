export { Button } from './button';
export { ConfirmDialog } from './confirm-dialog';
export { ErrorText, FormError, CONFLICT_MESSAGE } from './error-text';
export { Field, SecretInput, Select, TextInput, UsdInput, fieldError, type ControlProps } from './field';
export { formatDateTime, formatInt, formatPrice, formatUsd } from './format';
export { Gauge } from './gauge';
export { PageHeader, QueryState } from './page';
export { Table, type Column } from './table';
