import type { ButtonHTMLAttributes } from 'react';

type ButtonProps = ButtonHTMLAttributes<HTMLButtonElement> & {
  readonly variant?: 'primary' | 'secondary' | 'danger';
  /** Disables the button while its action runs; the label stays the action's name. */
  readonly busy?: boolean;
};

/** A button named by its action ("Save", "Delete"); type="button" unless it submits a form. */
export function Button({ variant = 'secondary', busy = false, type = 'button', className, disabled, children, ...rest }: ButtonProps) {
  return (
    <button {...rest} type={type} className={['button', variant, className].filter(Boolean).join(' ')} disabled={disabled || busy} aria-busy={busy || undefined}>
      {children}
    </button>
  );
}
