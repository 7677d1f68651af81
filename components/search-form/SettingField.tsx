/**
 * One setting's field, drawn from its row of the settings table (lib/search/settings.ts): the
 * label, help, placeholder, width and control all come from there, so a new setting shows up in
 * the form by being a row. Parameters, the command's own field and the stop conditions have
 * components of their own; this draws text, select and line-list fields.
 */
import type { ReactNode } from "react";
import { type FormField, forKind, type SearchKind, type Setting } from "../../lib/search/settings";
import { controlProps, Field, TextField } from "./Field";

export interface Messages {
  errors?: string[];
  warnings?: string[];
}

export function SettingField({
  name,
  row,
  kind,
  value,
  onChange,
  messages,
  help,
  blankLabel,
  options,
}: {
  name: string;
  row: Setting;
  kind: SearchKind;
  value: string;
  onChange: (value: string) => void;
  messages: Messages;
  /** Help that depends on the form's state (the goal inferred so far; null: none); the row's
   *  where undefined. */
  help?: ReactNode;
  /** The blank option's label, where it says more than the row's (`from the name (minimize)`). */
  blankLabel?: string;
  /** A select's options, where they come from the server (machine types). */
  options?: readonly { value: string; label: string; title?: string }[];
}) {
  const form = row.form as FormField;
  const shown = {
    field: name,
    label: form.label,
    span: form.span ?? 6,
    help: help === undefined ? forKind(form.help, kind) : help,
    ...messages,
  };
  if (form.control === "text")
    return (
      <TextField
        {...shown}
        value={value}
        onChange={onChange}
        mono={form.mono === true}
        {...(form.inputMode ? { inputMode: form.inputMode } : {})}
        {...(form.placeholder ? { placeholder: form.placeholder } : {})}
        {...(form.mono ? { autoComplete: "off" as const } : {})}
      />
    );
  if (form.control === "lines")
    return (
      <Field {...shown}>
        <textarea
          className={form.mono ? "mono" : undefined}
          rows={3}
          spellCheck={false}
          value={value}
          onChange={(e) => onChange(e.target.value)}
          {...controlProps(name, messages.errors)}
        />
      </Field>
    );
  if (form.control === "commas") return <TextField {...shown} value={value} onChange={onChange} />;
  const choices: readonly { value: string; label: string; title?: string }[] =
    options ??
    Object.entries((row.input === "text" && row.choices) || {}).map(([v, label]) => ({
      value: v,
      label,
    }));
  return (
    <Field {...shown}>
      <select
        value={value}
        onChange={(e) => onChange(e.target.value)}
        {...controlProps(name, messages.errors)}
      >
        {form.blank !== undefined ? <option value="">{blankLabel ?? form.blank}</option> : null}
        {choices.map((c) => (
          <option key={c.value} value={c.value} title={c.title}>
            {c.label}
          </option>
        ))}
      </select>
    </Field>
  );
}
