// The YAML editor: CodeMirror with highlighting, and the API's validation errors and lint warnings
// shown at their line as you type.
import { yaml } from "@codemirror/lang-yaml";
import { forceLinting, linter, lintGutter, type Diagnostic } from "@codemirror/lint";
import { EditorView, basicSetup } from "codemirror";
import { useEffect, useRef } from "preact/hooks";
import { post } from "./api";
import { locateProblems, type Problem, type ValidationReport } from "./locate";

interface Props {
  /** The text the editor starts with (remount with another key to load another text). */
  initial: string;
  onChange: (value: string) => void;
  onProblems: (problems: Problem[], report: ValidationReport | null) => void;
  label: string;
}

export interface EditorHandle {
  goTo(offset: number): void;
}

export function YamlEditor({ initial, onChange, onProblems, label, handle }: Props & { handle?: { current: EditorHandle | null } }) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const callbacks = useRef({ onChange, onProblems });
  callbacks.current = { onChange, onProblems };

  useEffect(() => {
    const validate = linter(
      async (editor): Promise<Diagnostic[]> => {
        const source = editor.state.doc.toString();
        let report: ValidationReport;
        try {
          report = await post<ValidationReport>("/machines/validate", { source, format: "yaml", lint: true });
        } catch (error) {
          callbacks.current.onProblems([], null);
          return [{ from: 0, to: 0, severity: "error", message: `validation failed: ${String(error)}` }];
        }
        if (editor.state.doc.toString() !== source) return [];
        const problems = locateProblems(source, report);
        callbacks.current.onProblems(problems, report);
        return problems.map((p) => ({ from: p.from, to: p.to, severity: p.severity, message: p.message, source: "pystator" }));
      },
      { delay: 350 },
    );
    const editor = new EditorView({
      doc: initial,
      parent: host.current!,
      extensions: [
        basicSetup,
        yaml(),
        lintGutter(),
        validate,
        EditorView.contentAttributes.of({ "aria-label": label }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) callbacks.current.onChange(update.state.doc.toString());
        }),
      ],
    });
    view.current = editor;
    forceLinting(editor);
    if (handle) {
      handle.current = {
        goTo(offset: number) {
          editor.dispatch({ selection: { anchor: offset }, scrollIntoView: true });
          editor.focus();
        },
      };
    }
    return () => editor.destroy();
  }, []);

  return <div class="editor" ref={host} data-testid="yaml-editor" />;
}
