import { useEffect, useState } from "react";
import type { CitySuggestion } from "../api/types";
import { useServices } from "../services";
import type { FieldControlProps } from "./FormField";

interface Props {
  control: FieldControlProps;
  value: string;
  onChange: (value: string) => void;
  onPick: (city: CitySuggestion) => void;
}

const DEBOUNCE_MS = 200;
const MIN_PREFIX = 2;

/** A city box that suggests the edge's known cities as the analyst types (a native datalist). */
export function CityInput({ control, value, onChange, onPick }: Props) {
  const { api } = useServices();
  const [fetched, setFetched] = useState<CitySuggestion[]>([]);
  const listId = `${control.id}-suggestions`;
  const prefix = value.trim();
  const suggestions = prefix.length < MIN_PREFIX ? [] : fetched;

  useEffect(() => {
    if (prefix.length < MIN_PREFIX) return;
    let current = true;
    const timer = setTimeout(() => {
      api
        .suggestCities(prefix)
        .then((cities) => current && setFetched(cities.slice(0, 10)))
        .catch(() => current && setFetched([]));
    }, DEBOUNCE_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [api, prefix]);

  const change = (next: string) => {
    onChange(next);
    const picked = suggestions.find((city) => city.name === next);
    if (picked) onPick(picked);
  };

  return (
    <>
      <input {...control} type="text" list={listId} autoComplete="off" value={value} onChange={(e) => change(e.target.value)} />
      <datalist id={listId}>
        {suggestions.map((city) => (
          <option key={`${city.name}-${city.country}`} value={city.name}>
            {`${city.name}, ${city.country}`}
          </option>
        ))}
      </datalist>
    </>
  );
}
