import { forwardRef, type InputHTMLAttributes, type SelectHTMLAttributes } from "react";
import { cn } from "./cn";

const field = "h-8 rounded-md border border-border bg-card px-2.5 text-sm text-fg placeholder:text-muted aria-[invalid=true]:border-failing";

export const Input = forwardRef<HTMLInputElement, InputHTMLAttributes<HTMLInputElement>>(function Input({ className, ...props }, ref) {
  return <input ref={ref} className={cn(field, className)} {...props} />;
});

export const Select = forwardRef<HTMLSelectElement, SelectHTMLAttributes<HTMLSelectElement>>(function Select({ className, ...props }, ref) {
  return <select ref={ref} className={cn(field, "pr-7", className)} {...props} />;
});

export function Field({ label, error, children, htmlFor }: { label: string; error?: string; children: React.ReactNode; htmlFor?: string }) {
  return (
    <label className="flex flex-col gap-1 text-xs font-medium text-muted" htmlFor={htmlFor}>
      {label}
      {children}
      {error ? <span role="alert" className="font-normal text-failing">{error}</span> : null}
    </label>
  );
}
