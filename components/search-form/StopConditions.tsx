/**
 * The stop conditions: one input per condition (each its own field, `stopConditions.<i>`, where
 * its problems show), and the messages about all of them together under the list; one full
 * row of the section's grid, the early-stopping fields below it.
 */
import { MAX_STOP_CONDITIONS } from "../../lib/metrics/stop";
import { controlProps, Messages } from "./Field";

export function StopConditions({
  field,
  texts,
  placeholder,
  onChange,
  messagesFor,
}: {
  field: string;
  texts: string[];
  placeholder?: string | undefined;
  onChange: (texts: string[]) => void;
  messagesFor: (field: string) => { errors?: string[]; warnings?: string[] };
}) {
  return (
    <div className="span-12">
      {texts.map((text, i) => {
        const key = `${field}.${i}`;
        const m = messagesFor(key);
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows are positional while typed
          <div key={i} className="button-row" style={{ marginBottom: 8 }}>
            <input
              type="text"
              className="mono"
              style={{ flex: 1 }}
              placeholder={placeholder}
              value={text}
              onChange={(e) => onChange(texts.map((t, j) => (j === i ? e.target.value : t)))}
              {...controlProps(key, m.errors)}
            />
            <button
              type="button"
              className="button ghost small"
              aria-label="Remove stop condition"
              onClick={() => onChange(texts.filter((_, j) => j !== i))}
            >
              ✕
            </button>
            <div style={{ flexBasis: "100%" }}>
              <Messages field={key} {...m} />
            </div>
          </div>
        );
      })}
      <Messages field={field} {...messagesFor(field)} />
      <button
        type="button"
        className="button small"
        disabled={texts.length >= MAX_STOP_CONDITIONS}
        onClick={() => onChange([...texts, ""])}
      >
        + Add stop condition
      </button>
    </div>
  );
}
