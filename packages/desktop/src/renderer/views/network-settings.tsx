import { useEffect, useState } from 'preact/hooks';
import type { ViewState } from '../state.js';
import { useActions } from './app-context.js';

/**
 * The reach settings (the CLI's `--no-dht`, `--relay`, `--bootstrap`, `--no-port-mapping`): hole
 * punching through the DHT on or off, a blind relay's key, bootstrap nodes, asking the router to
 * forward the host's port. Saved by the back end, which checks
 * them as the CLI does; they apply to the next host and join.
 */
export function NetworkSettings({ state }: { state: ViewState }) {
  const { send } = useActions();
  const saved = state.settings;
  const [dht, setDht] = useState(saved?.dht ?? true);
  const [relay, setRelay] = useState(saved?.relay ?? '');
  const [bootstrap, setBootstrap] = useState(saved?.bootstrap ?? '');
  const [portMapping, setPortMapping] = useState(saved?.portMapping ?? false);
  useEffect(() => {
    if (!saved) return;
    setDht(saved.dht);
    setRelay(saved.relay);
    setBootstrap(saved.bootstrap);
    setPortMapping(saved.portMapping);
  }, [saved]);
  const changed =
    saved !== null &&
    (dht !== saved.dht ||
      relay.trim() !== saved.relay ||
      bootstrap.trim() !== saved.bootstrap ||
      portMapping !== saved.portMapping);
  const submit = (event: Event) => {
    event.preventDefault();
    send({
      cmd: 'settings',
      dht,
      relay: relay.trim(),
      bootstrap: bootstrap.trim(),
      portMapping,
    });
  };
  return (
    <details class="card network-settings">
      <summary>Network settings</summary>
      <form onSubmit={submit} aria-label="Network settings">
        <CheckSetting
          name="dht"
          label="Reach friends on other networks (hole punching through the DHT)"
          checked={dht}
          onChange={setDht}
        />
        <CheckSetting
          name="portMapping"
          label="Ask the router to forward my port (UPnP / NAT-PMP)"
          checked={portMapping}
          onChange={setPortMapping}
        />
        <TextSetting
          name="relay"
          label='Relay key (from "cryptully relay", for routers that cannot be punched)'
          placeholder="64 hexadecimal digits, or empty"
          value={relay}
          onInput={setRelay}
        />
        <TextSetting
          name="bootstrap"
          label="Bootstrap nodes (host:port,…; empty: the public ones)"
          placeholder="empty"
          value={bootstrap}
          onInput={setBootstrap}
        />
        <p class="hint">Used from the next chat you start or join.</p>
        <div class="actions">
          <button class="primary" type="submit" disabled={!changed}>
            Save
          </button>
        </div>
      </form>
    </details>
  );
}

/** One labelled checkbox of the settings. */
function CheckSetting(props: {
  name: string;
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
}) {
  return (
    <label class="check">
      <input
        type="checkbox"
        name={props.name}
        checked={props.checked}
        onChange={(e) => props.onChange(e.currentTarget.checked)}
      />
      <span>{props.label}</span>
    </label>
  );
}

/** One labelled text field of the settings. */
function TextSetting(props: {
  name: string;
  label: string;
  placeholder: string;
  value: string;
  onInput: (value: string) => void;
}) {
  return (
    <label class="field">
      <span>{props.label}</span>
      <input
        name={props.name}
        value={props.value}
        placeholder={props.placeholder}
        onInput={(e) => props.onInput(e.currentTarget.value)}
        spellcheck={false}
      />
    </label>
  );
}
