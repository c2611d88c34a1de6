import { useState } from "react";
import { useServices } from "../services";

/** Turns desktop notifications for alerts on or off; the browser asks for permission once. */
export function NotificationToggle() {
  const { notifier } = useServices();
  const [enabled, setEnabled] = useState(notifier?.isEnabled ?? false);
  const [refused, setRefused] = useState(false);
  if (!notifier?.supported) return null;
  const toggle = async () => {
    if (enabled) {
      notifier.disable();
      setEnabled(false);
      return;
    }
    const granted = await notifier.enable();
    setEnabled(granted);
    setRefused(!granted);
  };
  return (
    <div className="notification-toggle">
      <label className="checkbox">
        <input type="checkbox" checked={enabled} onChange={() => void toggle()} />
        Desktop notifications
      </label>
      {refused && <span className="hint">The browser refused; allow notifications for this site to turn them on.</span>}
    </div>
  );
}
