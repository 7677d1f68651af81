ALTER TABLE "searches" ADD COLUMN "notes" text;--> statement-breakpoint
ALTER TABLE "searches" ADD COLUMN "trial_seq" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "trials" ADD COLUMN "notes" text;--> statement-breakpoint
ALTER TABLE "trials" ADD COLUMN "seq" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "trials_search_seq" ON "trials" USING btree ("search_id","seq");