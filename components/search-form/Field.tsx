/**
 * One labelled form field with its messages underneath. Errors and warnings come keyed by field
 * (see lib/console/search-form); the control gets `aria-invalid` and `aria-describedby` from here.
 */
import type { ReactNode } from "react";

export function Messages({
  field,
  errors,
  warnings,
}: {
  field: string;
  errors?: readonly string[] | undefined;
  warnings?: readonly string[] | undefined;
}) {
  return (
    <>
      {errors && errors.length > 0 ? (
        <ul className="field-error" id={`err-${field}`} data-testid={`error-${field}`}>
          {errors.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      ) : null}
      {warnings && warnings.length > 0 ? (
        <ul className="field-warning" data-testid={`warning-${field}`}>
          {warnings.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      ) : null}
    </>
  );
}

export function Field({
  field,
  label,
  help,
  errors,
  warnings,
  span = 6,
  children,
}: {
  field: string;
  label: string;
  help?: ReactNode;
  errors?: readonly string[];
  warnings?: readonly string[];
  span?: 2 | 3 | 4 | 6 | 8 | 12;
  children: ReactNode;
}) {
  return (
    <div className={`field span-${span}`} data-field-wrap={field}>
      <label htmlFor={`f-${field}`}>{label}</label>
      {children}
      {help ? <span className="help">{help}</span> : null}
      <Messages field={field} errors={errors} warnings={warnings} />
    </div>
  );
}

/** Props that tie a control to its Field's label and messages. */
export function controlProps(field: string, errors: readonly string[] | undefined) {
  const invalid = errors !== undefined && errors.length > 0;
  return {
    id: `f-${field}`,
    name: field,
    "data-field": field,
    "aria-invalid": invalid ? (true as const) : undefined,
    "aria-describedby": invalid ? `err-${field}` : undefined,
  };
}

/** A Field holding a one-line text input. `mono`: for code-like values (no spellcheck). */
export function TextField({
  field,
  value,
  onChange,
  mono = false,
  inputMode,
  placeholder,
  autoComplete,
  errors,
  ...rest
}: Omit<Parameters<typeof Field>[0], "children"> & {
  value: string;
  onChange: (value: string) => void;
  mono?: boolean;
  inputMode?: "numeric" | "decimal";
  placeholder?: string;
  autoComplete?: "off";
}) {
  return (
    <Field field={field} errors={errors} {...rest}>
      <input
        type="text"
        className={mono ? "mono" : undefined}
        spellCheck={mono ? false : undefined}
        inputMode={inputMode}
        placeholder={placeholder}
        autoComplete={autoComplete}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        {...controlProps(field, errors)}
      />
    </Field>
  );
}
