-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "DeliveryStatus" ADD VALUE 'IN_PRODUCTION';
ALTER TYPE "DeliveryStatus" ADD VALUE 'SHIPPED';
ALTER TYPE "DeliveryStatus" ADD VALUE 'DELIVERED';
ALTER TYPE "DeliveryStatus" ADD VALUE 'CANCELLED';

-- AlterTable
ALTER TABLE "Delivery" ADD COLUMN     "acceptedAt" TIMESTAMP(3),
ADD COLUMN     "cancelRequestedAt" TIMESTAMP(3),
ADD COLUMN     "cancelledAt" TIMESTAMP(3),
ADD COLUMN     "deliveredAt" TIMESTAMP(3),
ADD COLUMN     "deliveryAddress" TEXT,
ADD COLUMN     "productionStartedAt" TIMESTAMP(3),
ADD COLUMN     "shippedAt" TIMESTAMP(3),
ALTER COLUMN "storeId" DROP NOT NULL,
ALTER COLUMN "item" DROP NOT NULL,
ALTER COLUMN "qty" DROP NOT NULL;

-- Deliveries accepted before step times were recorded: their last change was the acceptance.
UPDATE "Delivery" SET "acceptedAt" = "updatedAt" WHERE "status" = 'ACCEPTED';
